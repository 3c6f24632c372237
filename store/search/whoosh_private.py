"""Every use of a Whoosh internal, in one place.

papers-tui pins whoosh-reloaded==2.7.5. The functions here borrow attributes
and names that Whoosh does not document (or marks private with `_`), each for a
reason given in its docstring. tests/test_whoosh_private.py exercises each one
on a real index, so an upgrade that changes one fails there, loudly, by name.
No other module may touch a private Whoosh attribute (tests/test_structure.py).
"""

from __future__ import annotations

from whoosh.filedb.filestore import Storage
from whoosh.index import TOC
from whoosh.matching.wrappers import FilterMatcher
from whoosh.multiproc import MpWriter, SubWriterTask

# FileIndex.lock(name) locks "<indexname>_<name>"; writers take "WRITELOCK" of index "MAIN".
WRITER_LOCK_NAME = "MAIN_WRITELOCK"


def writer_lock(storage: Storage):
    """The lock every Whoosh writer of the directory's main index takes.

    Borrows the file name MAIN_WRITELOCK (FileIndex.lock prefixes the index
    name "MAIN" to "WRITELOCK"): remaking a damaged index must hold the same
    lock as writers, without opening the damaged index to ask it for one."""
    return storage.lock(WRITER_LOCK_NAME)


def release_writer_lock(writer) -> None:
    """Release a writer's lock if it still holds it.

    Borrows `writer.writelock` (SegmentWriter's lock object, undocumented) and
    `lock.fd` (FcntlLock's open file, None once released): a writer whose
    commit failed half-way can keep its lock, and every later write in this
    process would then wait and fail."""
    lock = getattr(writer, "writelock", None)
    if lock is not None and getattr(lock, "fd", None) is not None:
        try:
            lock.release()
        except Exception:
            pass


def writer_subprocesses(writer) -> list:
    """The sub-processes a parallel (MpWriter) writer has started ([] for others).

    Borrows `MpWriter.tasks`: a cancelled parallel writer does not end its
    sub-processes, so abandoning one must terminate them itself."""
    return list(getattr(writer, "tasks", ()))


class DaemonMpWriter(MpWriter):
    """An MpWriter whose sub-processes are daemons of class `task_class`.

    Overrides the private `MpWriter._new_task` and builds the task from the
    writer's undocumented attributes (storage, indexname, jobqueue, resultqueue,
    subargs, multisegment, tasks), as `_new_task` itself does: Whoosh offers no
    hook to make its sub-writers end with the process that started them."""

    task_class: type[SubWriterTask] = SubWriterTask

    def _new_task(self):
        task = self.task_class(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment)
        task.daemon = True  # ended with this process
        self.tasks.append(task)
        task.start()
        return task


def unfiltered_postings(matcher):
    """The posting matcher without the wrapper that skips deleted documents.

    Borrows `FilterMatcher._exclude` (True: the wrapper excludes its set, which
    SegmentReader.postings fills with the deleted documents): the caller takes
    the deleted documents out of a whole set at once, far faster than the
    wrapper checking each posting."""
    if type(matcher) is FilterMatcher and matcher._exclude:
        return matcher.child
    return matcher


_BLOCK_READING = ("_read_ids", "_next_block", "_i", "_ids")


def all_ids(matcher) -> list[int]:
    """The document ids of a fresh posting matcher, a whole block at a time.

    Borrows the W3 codec's W3LeafMatcher internals `_read_ids()` (decode the
    current block's ids into `_ids`), `_i` (position in the block) and
    `_next_block()`: Whoosh's own all_ids() makes three calls per posting, and
    terms with tens of thousands of postings are common. Any other matcher is
    read through the public all_ids()."""
    if not all(hasattr(matcher, name) for name in _BLOCK_READING):
        return list(matcher.all_ids())
    ids: list[int] = []
    while matcher.is_active():
        matcher._read_ids()
        ids.extend(matcher._ids[matcher._i :])
        matcher._next_block()
    return ids


def deleted_docs(reader) -> frozenset[int]:
    """The deleted document numbers of one segment's reader.

    Borrows SegmentReader.deleted_docs_set (an undocumented cached property,
    what postings() itself filters with): whole sets are subtracted at once."""
    return reader.deleted_docs_set


def leaf_searchers(searcher) -> list:
    """(searcher of one segment, its document offset) for each segment of the index.

    Borrows Searcher.subsearchers (undocumented; None when the reader is one
    segment or empty): answers are worked out a segment at a time, where
    segment ids and columns can be cached."""
    return searcher.subsearchers or [(searcher, 0)]


def committed_files(ix) -> tuple[int, list[str]]:
    """(generation, file names) of the index's latest commit: its TOC and every file
    of the segments it lists.

    Borrows `TOC.read` (the undocumented class behind FileIndex._read_toc) and
    `TOC._filename` (the TOC's file name for a generation): which files a commit
    made is what the checksums in store/search/checksums.py are recorded for.
    A segment's files are named "<segment id>.<ext>" (Segment.list_files)."""
    toc = TOC.read(ix.storage, ix.indexname)
    listed = list(ix.storage.list())
    prefixes = tuple(f"{segment.segment_id()}." for segment in toc.segments)
    names = [TOC._filename(ix.indexname, toc.generation)]
    names += sorted(name for name in listed if prefixes and name.startswith(prefixes))
    return toc.generation, names
