"""A batch process keeps freed column memory for reuse (``engine.allocator``), whichever thread
freed it; a process that does not ask gives it back. Each case runs in a fresh interpreter: the
setting is process-wide."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import ctypes, sys
import numpy as np
from engine.allocator import keep_freed_memory

class Info(ctypes.Structure):  # glibc's struct mallinfo2: ten size_t counters
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
applied = keep_freed_memory() if sys.argv[1] == "keep" else None
column = np.ones(2_000_000, dtype=np.int64)  # 16 MB: a column of two million rows
del column
print(applied, libc.mallinfo2().fordblks)
"""


def _free_after_a_column(mode: str) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    applied, free = done.stdout.split()
    return applied, int(free)


def test_a_batch_process_keeps_a_freed_column_for_reuse() -> None:
    applied, free = _free_after_a_column("keep")
    assert applied == "True"
    assert free >= 16_000_000  # the column's memory is free in the heap, ready for the next one


def test_by_default_a_freed_column_goes_back_to_the_system() -> None:
    applied, free = _free_after_a_column("default")
    assert applied == "None"
    assert free < 16_000_000


THREADS_PROBE = """
import ctypes, sys, threading
import numpy as np
from engine.allocator import keep_freed_memory

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
keep_freed_memory()

def work():
    column = np.ones(2_000_000, dtype=np.int64)  # a column made and dropped by another thread
    del column

thread = threading.Thread(target=work)
thread.start()
thread.join()
before = libc.mallinfo2().arena  # bytes the heaps of every arena hold from the system
column = np.ones(2_000_000, dtype=np.int64)
print(libc.mallinfo2().arena - before)
"""


def test_a_column_freed_by_another_thread_is_reused() -> None:
    """One arena for every thread: the main thread's column takes the block the other thread
    freed, and the process asks the system for nothing more (with an arena per thread it took
    16 MB more, and a two-thread evaluation's peak grew by that much at every step)."""
    done = subprocess.run([sys.executable, "-c", THREADS_PROBE], capture_output=True, text=True, check=True)
    assert int(done.stdout) < 1_000_000
