"""The API supervisor: restart back-off, and the process count it refuses."""

from __future__ import annotations

from kyc_engine.service.serve import MAX_BACKOFF_S, QUICK_EXIT_S, restart_delay


def test_a_process_that_keeps_dying_at_start_is_restarted_ever_more_slowly() -> None:
    delays, d = [], 0.0
    for _ in range(9):
        d = restart_delay(d, lived_s=0.3)
        delays.append(d)
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0] and delays[-1] == MAX_BACKOFF_S
    assert restart_delay(MAX_BACKOFF_S, lived_s=QUICK_EXIT_S + 1) == 0.0  # a normal life: at once again
    assert restart_delay(0.0, lived_s=3600) == 0.0


def test_serve_refuses_fewer_than_one_process_with_a_code() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "kyc_engine.cli", "serve", "--processes", "0"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 3 and "input.invalid_option" in out.stderr and "Traceback" not in out.stderr
