"""Where the API's time goes on the submit path: one `kyc serve` (optionally next to busy workers) under
closed-loop load, with its CPU split into user and system time, its context switches and PostgreSQL's CPU
per submission, and optionally a py-spy profile. For comparing changes to the submit path, run it
alternately on the two versions: on a shared VM one run's accepted rate can be 15 % off the next.

    .venv/bin/python -m benchmarks.submit_profile --count 800 --clients 20 --workers 2
    .venv/bin/python -m benchmarks.submit_profile --count 1500 --py-spy /tmp/submit.txt   # needs py-spy
    .venv/bin/python -m benchmarks.submit_profile --count 1500 --workers 2 --gc-log /tmp/gc   # GC pauses per process
    .venv/bin/python -m benchmarks.submit_profile --neighbours spin   # busy neighbours instead of workers
    .venv/bin/python -m benchmarks.submit_profile --clients 1 --count 100   # one client: service time

Prints one line per run; writes nothing to RESULTS.md (`benchmarks.load` is the benchmark of record).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis
from rq import Queue

from benchmarks.common import pct, stop_processes
from benchmarks.load import STEPS, Stack, bad_registration, make_cases, step_means, submit_all_raw

TICK = os.sysconf("SC_CLK_TCK")
GC_PROBE = Path(__file__).resolve().parent / "gc_probe"


def _stat(path: str) -> list[str]:
    """The fields after the command name of a /proc ``stat`` file (``/proc/<pid>`` or a thread's)."""
    return Path(f"{path}/stat").read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def api_pids(pid: int, processes: int) -> tuple[list[int], list[int]]:
    """(every process of ``kyc serve``, the API processes among them). With one API process ``pid`` is it and
    its children are its blob writers; with several, ``pid`` supervises them and the writers are theirs."""
    if processes == 1:
        return [pid, *_children(pid)], [pid]
    apis = _children(pid)
    return [pid, *apis, *(w for a in apis for w in _children(a))], apis


def user_sys_s(pids: list[int]) -> tuple[float, float]:
    """User and system CPU seconds of ``pids`` together."""
    fields = [_stat(f"/proc/{pid}") for pid in pids]
    return sum(int(f[11]) for f in fields) / TICK, sum(int(f[12]) for f in fields) / TICK


def loop_thread_s(pid: int) -> float:
    """CPU seconds of ``pid``'s main thread: the API's event loop (the others are the thread pool's, which
    writes blobs when the writer processes are off)."""
    fields = _stat(f"/proc/{pid}/task/{pid}")
    return (int(fields[11]) + int(fields[12])) / TICK


def context_switches(pids: list[int]) -> int:
    """Voluntary + involuntary switches of every thread of ``pids``."""
    total = 0
    for status in (s for pid in pids for s in Path(f"/proc/{pid}/task").glob("*/status")):
        try:
            for line in status.read_text().splitlines():
                if "ctxt_switches" in line:
                    total += int(line.split()[1])
        except OSError:  # a thread that ended meanwhile
            continue
    return total


def cpu_of_command(name: str) -> float:
    """CPU seconds of every process whose command name starts with ``name`` (e.g. the postgres backends)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text[text.index("(") + 1 : text.rindex(")")].startswith(name):
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


#: ``--neighbours``: what each busy neighbour process runs, at the workers' priority (nice 10, SCHED_IDLE).
NEIGHBOURS = {
    "spin": "while True: sum(range(10_000))",  # CPU only, almost no memory traffic
    "stream": "import numpy as np\na = np.ones((4000, 4000), np.float32)\nwhile True: float((a * 1.0001 + 0.5).sum())",
}


def start_neighbours(kind: str, n: int) -> list[subprocess.Popen[bytes]]:
    """``n`` processes keeping the cores busy at the lowest priority, like workers but without their code:
    do the API's costs next to workers come from the workers' code or from any busy neighbour?"""
    setup = "import os\nos.nice(10)\nos.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\n"
    return [subprocess.Popen([sys.executable, "-c", setup + NEIGHBOURS[kind]]) for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=800, help="counted submissions")
    ap.add_argument("--clients", type=int, default=20, help="closed-loop keep-alive connections")
    ap.add_argument("--workers", type=int, default=0, help="busy `kyc worker` processes beside the API")
    ap.add_argument("--cases", type=int, default=5, help="distinct generated cases, cycled")
    ap.add_argument("--api-processes", type=int, default=1, help="`kyc serve --processes` (CPU summed over all, blob writers included)")
    ap.add_argument("--neighbours", choices=sorted(NEIGHBOURS), help="2 busy idle-class processes (see NEIGHBOURS)")
    ap.add_argument("--py-spy", metavar="FILE", help="record the API with py-spy (raw format) into FILE")
    ap.add_argument("--gil", action="store_true", help="with --py-spy: only samples that hold the GIL")
    ap.add_argument("--gc-log", metavar="DIR", type=Path,
                    help="log every garbage collection of every stack process into DIR (benchmarks/gc_probe)")  # fmt: skip
    args = ap.parse_args()
    if args.gc_log:  # the stack's processes copy this environment (benchmarks.load.Stack)
        args.gc_log.mkdir(parents=True, exist_ok=True)
        os.environ["GC_PROBE_DIR"] = str(args.gc_log.resolve())
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(GC_PROBE), os.environ.get("PYTHONPATH")) if p
        )

    with tempfile.TemporaryDirectory(prefix="kyc-submit-profile-") as tmpdir:
        tmp = Path(tmpdir)
        cases = make_cases(tmp, args.cases, 1)
        stack = Stack(tmp, "profile", args.api_processes)
        neighbours: list[subprocess.Popen[bytes]] = []
        try:
            if args.workers:
                stack.start_workers(args.workers)
                stack.wait_for_workers(args.workers)
            if args.neighbours:
                neighbours = start_neighbours(args.neighbours, 2)
            submit_all_raw(stack, [bad_registration(c) for c in cases], 40, args.clients)  # warm-up, refused
            pids, apis = api_pids(stack.procs[0].pid, args.api_processes)
            pid = apis[-1]  # the one py-spy records
            spy = None
            if args.py_spy:
                spy = subprocess.Popen(
                    [
                        "py-spy",
                        "record",
                        "-p",
                        str(pid),
                        "-o",
                        args.py_spy,
                        "-f",
                        "raw",
                        "-r",
                        "200",
                        "--nonblocking",
                        *(["--gil"] if args.gil else []),
                    ]
                )
                time.sleep(1)
            user0, sys0 = user_sys_s(pids)
            each0 = [sum(user_sys_s([p])) for p in apis]
            switches0, pg0 = context_switches(pids), cpu_of_command("postgres")
            loop0 = loop_thread_s(pid)
            window = [time.time()]
            run = submit_all_raw(stack, cases, args.count, args.clients)
            window.append(time.time())
            user1, sys1 = user_sys_s(pids)
            each = [sum(user_sys_s([p])) - c for p, c in zip(apis, each0, strict=True)]
            switches1, pg1 = context_switches(pids), cpu_of_command("postgres")
            loop_busy = (loop_thread_s(pid) - loop0) / run["submit_s"]
            steps = step_means(stack.url)
            if spy is not None:
                spy.send_signal(2)
                spy.wait()
        finally:
            stop_processes(neighbours)
            # without workers the jobs stay queued: empty the queue (its jobs too), then drop the database
            Queue(stack.env["KYC_SERVICE__QUEUE_NAME"], connection=Redis()).empty()
            stack.close()
    n = args.count
    lat = sorted(run["latencies"])
    accepted = run["statuses"].count(202)
    print(
        f"{accepted}/{n} accepted, {n / run['submit_s']:.0f}/s; submit ms p50 {pct(lat, 50):.1f} / "
        f"p95 {pct(lat, 95):.1f}; API CPU ms/submission user {(user1 - user0) / n * 1000:.2f} + "
        f"system {(sys1 - sys0) / n * 1000:.2f}; context switches/submission {(switches1 - switches0) / n:.1f}; "
        f"PostgreSQL CPU ms/submission {(pg1 - pg0) / n * 1000:.2f}; event loop thread on CPU "
        f"{loop_busy:.0%} of the run; step means ms "
        + " / ".join(f"{k} {steps.get(k, float('nan')):.1f}" for k in STEPS)
        + f" ({args.clients} clients, "
        f"{args.workers} workers, {args.api_processes} API processes"
        + (f", 2 idle-class {args.neighbours} neighbours" if args.neighbours else "")
        + (f"; CPU s per API process {' / '.join(f'{c:.2f}' for c in each)}" if len(each) > 1 else "")
        + ")"
    )
    if args.gc_log:
        print(gc_summary(args.gc_log, window[0], window[1]))


def gc_summary(folder: Path, start: float, end: float) -> str:
    """Per process logged by benchmarks/gc_probe: full (generation 2) collections before, during and after
    the submissions, with their longest pause (a process's last 9 collections may be missing: the log is
    rewritten every 10)."""
    lines = []
    for path in sorted(folder.glob("gc_*.txt")):
        rows = [line.split() for line in path.read_text().splitlines()]
        full = [(float(ms), float(at)) for gen, ms, at in rows if gen == "2"]
        during = [ms for ms, at in full if start <= at <= end]
        before = [ms for ms, at in full if at < start]
        after = [ms for ms, at in full if at > end]  # the workers, verifying what was submitted
        lines.append(
            f"pid {path.stem[3:]}: full collections before the submissions {len(before)} (longest "
            f"{max(before, default=0):.1f} ms), during them {len(during)} (longest {max(during, default=0):.1f} ms), "
            f"after them {len(after)} (longest {max(after, default=0):.1f} ms)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
