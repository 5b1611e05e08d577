// kyc_engine reviewer console: keyboard shortcuts, clickable queue rows, evidence tabs. No dependencies.
(function () {
  "use strict";
  const typing = (el) => el && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT");
  const help = document.getElementById("help");

  // Queue: whole rows are links; j/k move a selection, Enter opens it.
  const rows = Array.from(document.querySelectorAll("#queue-table tr[data-href]"));
  let sel = -1;
  function select(i) {
    if (!rows.length) return;
    sel = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, j) => r.classList.toggle("sel", j === sel));
    rows[sel].scrollIntoView({ block: "nearest" });
  }
  rows.forEach((r, i) => r.addEventListener("click", (ev) => {
    if (ev.target.closest("a")) return;
    window.location.href = r.dataset.href;
  }));

  // Case: evidence tabs (rectified page / photo with the detected outline).
  document.querySelectorAll("[data-tabs] .tab").forEach((tab) => tab.addEventListener("click", () => {
    const card = tab.closest(".card");
    card.querySelectorAll(".tab").forEach((t) => t.classList.toggle("on", t === tab));
    card.querySelectorAll("[data-pane]").forEach((p) => { p.hidden = p.dataset.pane !== tab.dataset.tab; });
  }));

  // Case: a/r/s choose the action; the note is required, so focus it first, then submit with Ctrl+Enter.
  const form = document.getElementById("decision-form");
  const note = document.getElementById("note");
  let chosen = null;
  function choose(action) {
    if (!form) return;
    chosen = form.querySelector(`button[value="${action}"]`);
    form.querySelectorAll("button[name=action]").forEach((b) => b.classList.toggle("chosen", b === chosen));
    if (note.value.trim()) { chosen.click(); } else { note.focus(); note.placeholder = `Note for "${chosen.textContent.trim().split(" ")[0]}" (Ctrl+Enter submits)`; }
  }
  if (note) note.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && chosen) { ev.preventDefault(); chosen.click(); }
    if (ev.key === "Escape") note.blur();
  });

  function follow(key) {
    const link = document.querySelector(`a[data-key="${key}"]`);
    if (link) window.location.href = link.href;
  }
  document.querySelectorAll("[data-help]").forEach((b) => b.addEventListener("click", () => { help.hidden = !help.hidden; }));

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    const k = ev.key;
    if (k === "Escape" && help) { help.hidden = true; return; }
    if (k === "?" && help) { help.hidden = !help.hidden; return; }
    if (rows.length) {
      if (k === "j") { select(sel + 1); ev.preventDefault(); }
      else if (k === "k") { select(sel - 1); ev.preventDefault(); }
      else if (k === "Enter" && sel >= 0) { window.location.href = rows[sel].dataset.href; }
      return;
    }
    if (k === "j" || k === "k" || k === "u") { follow(k); }
    else if (k === "a") { ev.preventDefault(); choose("approve"); }
    else if (k === "r") { ev.preventDefault(); choose("reject"); }
    else if (k === "s") { ev.preventDefault(); choose("resubmit"); }
  });
})();
