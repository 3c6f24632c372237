"""Each Whoosh internal that store/search/whoosh_private.py borrows, checked on a real index.

papers-tui pins whoosh-reloaded==2.7.5. If an upgrade renames or changes one of
these internals, the test of its accessor fails here and names it, instead of
searches silently slowing down or a lock silently staying held.
"""

from __future__ import annotations

import pytest
from whoosh import fields, index
from whoosh.matching.wrappers import FilterMatcher
from whoosh.multiproc import MpWriter, SubWriterTask

from store.search import whoosh_private

PINNED = "whoosh-reloaded 2.7.5"


def borrowed(owner, name: str) -> None:
    """Fail with a message naming the internal when Whoosh no longer has it."""
    what = owner.__name__ if isinstance(owner, type) else type(owner).__name__
    assert hasattr(owner, name), (
        f"{what}.{name} is gone: store/search/whoosh_private.py borrows it from {PINNED}; "
        "adapt the accessor there to the installed Whoosh"
    )


@pytest.fixture
def ix(tmp_path):
    schema = fields.Schema(pid=fields.ID(stored=True, unique=True), body=fields.TEXT())
    return index.create_in(str(tmp_path), schema)


def add(ix, count: int, start: int = 0, body: str = "common words") -> None:
    with ix.writer() as writer:
        for pid in range(start, start + count):
            writer.add_document(pid=str(pid), body=body)


def test_writer_lock_is_the_lock_writers_take(ix):
    writer = ix.writer()
    try:
        lock = whoosh_private.writer_lock(ix.storage)
        assert not lock.acquire(blocking=False), (
            f"a writer no longer holds the lock named {whoosh_private.WRITER_LOCK_NAME!r} "
            f"(FileIndex.lock naming changed from {PINNED})"
        )
    finally:
        writer.cancel()
    lock = whoosh_private.writer_lock(ix.storage)
    assert lock.acquire(blocking=False), f"{whoosh_private.WRITER_LOCK_NAME!r} stays held after the writer is cancelled"
    lock.release()


def test_release_writer_lock_frees_a_writer_that_kept_its_lock(ix):
    writer = ix.writer()
    borrowed(writer, "writelock")
    borrowed(writer.writelock, "fd")
    assert writer.writelock.fd is not None, "SegmentWriter.writelock.fd is None while the writer holds its lock"
    whoosh_private.release_writer_lock(writer)
    assert writer.writelock.fd is None, "FcntlLock.fd is no longer None once the lock is released"
    other = ix.writer(timeout=0.5)  # would raise LockError if the lock were still held
    other.cancel()
    whoosh_private.release_writer_lock(writer)  # a second release is harmless


def test_writer_subprocesses_are_the_parallel_writers_tasks(ix):
    plain = ix.writer()
    try:
        assert whoosh_private.writer_subprocesses(plain) == [], "a plain writer has no sub-processes"
    finally:
        plain.cancel()  # its lock must go before the next writer
    writer = MpWriter(ix, procs=2, batchsize=1)
    borrowed(writer, "tasks")
    try:
        for pid in range(3):
            writer.add_document(pid=str(pid), body="words")
        tasks = whoosh_private.writer_subprocesses(writer)
        assert tasks and all(isinstance(task, SubWriterTask) for task in tasks), (
            "MpWriter.tasks no longer lists the SubWriterTask processes it started"
        )
    finally:
        for task in whoosh_private.writer_subprocesses(writer):
            task.terminate()
        writer.cancel()


def test_daemon_mp_writer_starts_daemon_tasks_of_its_class(ix):
    borrowed(MpWriter, "_new_task")

    class CountingTask(SubWriterTask):
        pass

    class Writer(whoosh_private.DaemonMpWriter):
        task_class = CountingTask

    writer = Writer(ix, procs=2, batchsize=2, multisegment=True)
    for name in ("storage", "indexname", "jobqueue", "resultqueue", "subargs", "multisegment", "tasks"):
        borrowed(writer, name)
    for pid in range(6):
        writer.add_document(pid=str(pid), body="words")
    assert writer.tasks, "MpWriter no longer calls _new_task to start its sub-processes"
    assert all(type(task) is CountingTask and task.daemon for task in writer.tasks)
    writer.commit()
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 6, "documents written through the overridden _new_task are missing"


def test_unfiltered_postings_takes_off_the_deleted_documents_filter(ix):
    add(ix, 3)
    with ix.writer() as writer:
        writer.delete_by_term("pid", "1")
    with ix.reader() as reader:
        matcher = reader.postings("body", "common")
        assert type(matcher) is FilterMatcher, "SegmentReader.postings no longer wraps postings in a FilterMatcher"
        borrowed(matcher, "_exclude")
        assert matcher._exclude is True, "FilterMatcher._exclude is no longer True for the deleted documents"
        assert sorted(whoosh_private.unfiltered_postings(matcher).all_ids()) == [0, 1, 2]
        assert sorted(reader.postings("body", "common").all_ids()) == [0, 2]


def test_unfiltered_postings_leaves_a_plain_matcher_alone(ix):
    add(ix, 2)
    with ix.reader() as reader:
        matcher = reader.postings("body", "common")
        assert whoosh_private.unfiltered_postings(matcher) is matcher


def test_all_ids_reads_every_block_of_a_posting_list(ix):
    add(ix, 700)  # several blocks of postings
    with ix.reader() as reader:
        matcher = reader.postings("body", "common")
        for name in ("_read_ids", "_next_block", "_i", "_ids"):
            borrowed(matcher, name)
        assert whoosh_private.all_ids(matcher) == list(range(700)), (
            "W3LeafMatcher block reading (_read_ids, _ids, _i, _next_block) no longer gives every posting"
        )
        assert whoosh_private.all_ids(reader.postings("body", "common")) == list(reader.postings("body", "common").all_ids())


def test_deleted_docs_are_the_segments_deleted_documents(ix):
    add(ix, 4)
    with ix.writer() as writer:
        writer.delete_by_term("pid", "2")
    with ix.reader() as reader:
        borrowed(reader, "deleted_docs_set")
        assert reader.has_deletions()
        assert set(whoosh_private.deleted_docs(reader)) == {2}, "SegmentReader.deleted_docs_set no longer holds the deleted documents"


def test_leaf_searchers_give_each_segment_with_its_offset(ix):
    add(ix, 3)
    with ix.searcher() as searcher:
        assert whoosh_private.leaf_searchers(searcher) == [(searcher, 0)]
    writer = ix.writer()
    writer.add_document(pid="9", body="common")
    writer.commit(merge=False)  # two segments
    with ix.searcher() as searcher:
        borrowed(searcher, "subsearchers")
        leaves = whoosh_private.leaf_searchers(searcher)
        assert [offset for _, offset in leaves] == [0, 3], "Searcher.subsearchers no longer lists (segment searcher, offset)"
        assert [leaf.doc_count() for leaf, _ in leaves] == [3, 1]


def test_committed_files_are_the_latest_toc_and_its_segments_files(ix):
    generation, names = whoosh_private.committed_files(ix)
    assert names == [f"_MAIN_{generation}.toc"], "an empty index's commit is its TOC alone"
    for pid in ("1", "2"):  # two segments of separate files, as PaperIndex writes them
        writer = ix.writer(compound=False)
        writer.add_document(pid=pid, body="common")
        writer.commit(merge=False)
    generation, names = whoosh_private.committed_files(ix)
    assert generation == ix.latest_generation()
    on_disk = set(ix.storage.list())
    assert names[0] in on_disk and names[0].endswith(f"_{generation}.toc"), (
        f"TOC._filename no longer names the TOC file of a generation ({PINNED}): {names[0]!r}"
    )
    with ix.reader() as reader:
        segment_ids = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}
    assert len(segment_ids) == 2
    for segment_id in segment_ids:
        files = [name for name in names if name.startswith(f"{segment_id}.")]
        assert any(name.endswith(".trm") for name in files) and any(name.endswith(".pst") for name in files), (
            f"segment {segment_id}'s files are no longer named '<segment id>.<ext>' ({PINNED}): {sorted(on_disk)}"
        )
    assert set(names) <= on_disk
    leftovers = on_disk - set(names) - {name for name in on_disk if name.endswith("LOCK")}
    assert leftovers == set(), f"files of the index that committed_files() does not list: {sorted(leftovers)}"
