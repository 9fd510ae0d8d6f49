"""Keep freed memory in a batch process instead of handing it back to the system.

A batch evaluation makes and drops columns of hundreds of thousands of rows by the thousand (each
step of each formula makes a new column). glibc's allocator returns large blocks to the kernel as
soon as they are freed (blocks above a threshold that starts at 128 KiB are mapped and unmapped
one by one, and the heap's free top is trimmed), so nearly every new column is fresh memory whose
pages the kernel must map and zero on first touch. On this project's virtual machines that work,
not the arithmetic, is most of the cost of a numpy step: measured on 200,000 int64 rows,
``np.divmod`` 1.8 ms → 0.56 ms and a branchless choice (``engine.backends.branchless``)
1.45 → 0.2 ms once freed memory is reused; the whole shipped catalogue over 500,000 register
persons 0.70–0.74 → 0.65–0.70 s.

What is kept is what the process held at its peak already, so the peak hardly moves — provided
every thread allocates from one arena. By default glibc gives threads arenas of their own (up to
eight per core), and each arena keeps its own freed memory: a block freed in one thread is not
reused by another, so the frames' read-ahead thread and the threads of a multi-threaded
evaluation each added what they had freed to the peak. One arena for the process (``M_ARENA_MAX``
1) shares it: measured on the shipped catalogue (15 measures) over 500,000 register persons,
three runs in one thread then three in two, peak 1.59 → 1.39 GB in one thread and 2.02 → 1.39 GB
in two, and the runs in two threads 1.09–1.67 → 0.87–1.02 s (a block another thread freed is
reused instead of fresh pages). The arena's lock costs nothing measurable here: numpy asks for a
few large blocks per array step, not for many small ones. The memory stays with the process until
it ends. That suits a batch worker (``mera recalc``'s partitions in any engine, ``mera whatif``,
the benchmarks) and not a long-running web server, which does not call this.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 32 * 2**20  # the largest glibc accepts on 64-bit systems: bigger blocks are still mapped
TRIM_THRESHOLD = 2**30  # free memory at the heap's top kept up to this much

_applied: bool | None = None


def keep_freed_memory() -> bool:
    """Have glibc keep freed blocks of up to 32 MiB for reuse, in one arena for every thread (once
    per process; before the process starts threads, or the threads that already have an arena
    keep it). False where the C library has no ``mallopt`` (musl, macOS): nothing changes there."""
    global _applied
    if _applied is None:
        try:
            mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
        except (OSError, AttributeError):
            _applied = False
        else:
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            _applied = all(
                mallopt(option, value)
                for option, value in (
                    (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
                    (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
                    (_M_ARENA_MAX, 1),
                )
            )
    return _applied
