"""Writing a big batch with several processes, and abandoning any writer cleanly.

Indexing is CPU-bound Python: 4,000 documents or more are shared among
processes, each making its own segment (Whoosh's multisegment writer).
"""

from __future__ import annotations

import os

from whoosh.multiproc import SubWriterTask

from . import whoosh_private

# Read at call time (tests lower them to exercise the parallel writer on a small library).
PARALLEL_MIN_DOCS = 4000
INDEX_PROCS = min(2, os.cpu_count() or 1)
BATCH_SIZE = 250


def wants_parallel(expected: int) -> bool:
    """Whether `expected` documents are worth sharing among processes."""
    return expected >= PARALLEL_MIN_DOCS and INDEX_PROCS > 1


def _die_with_parent() -> None:
    """A sub-writer waits on a queue only its parent feeds: if the parent is
    killed, the kernel ends the sub-writer too (Linux), instead of leaving it."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl
            os._exit(1)
    except Exception:
        pass


class _SubWriter(SubWriterTask):
    def run(self):
        _die_with_parent()
        super().run()


class ParallelWriter(whoosh_private.DaemonMpWriter):
    """Whoosh's multiprocess writer, with sub-processes that cannot outlive it."""

    task_class = _SubWriter


def parallel_writer(ix, **options):
    """A multisegment writer over INDEX_PROCS processes (options as for ix.writer)."""
    return ParallelWriter(ix, procs=INDEX_PROCS, batchsize=BATCH_SIZE, multisegment=True, **options)


def abandon(writer) -> None:
    """Cancel a writer, whatever state a failure left it in: its lock must go, or
    every later write in this process would wait for it and fail."""
    for task in whoosh_private.writer_subprocesses(writer):
        try:
            task.terminate()
        except Exception:
            pass
    try:
        writer.cancel()
    except Exception:
        pass
    whoosh_private.release_writer_lock(writer)
