import gc
import subprocess
import sys


def test_freeze_startup_heap_takes_live_objects_out_of_collections() -> None:
    # in a child: freezing is process-wide and would change the test runner's own collections
    code = """
import gc
from kyc_engine.worker.heap import freeze_startup_heap
keep = [[i] for i in range(20_000)]          # live, tracked objects
cycle = []; cycle.append(cycle); del cycle   # start-up garbage: collected, not frozen
before = len(gc.get_objects())
frozen = freeze_startup_heap()
after = len(gc.get_objects())
print(frozen, before, after, gc.get_freeze_count() == frozen)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    frozen, before, after, same = int(out[0]), int(out[1]), int(out[2]), out[3]
    assert frozen >= 20_000 and same == "True"
    assert after < 1_000 < before  # collections now walk (almost) nothing that existed at start-up
    assert gc.isenabled()
