"""Writing files outside the library: what the user pointed at, never harmed.

`write_output` is the one way papers-tui writes an output file (an export, a
backup's destination follows the same rules through `output_target`):
- a regular file, new or old, is replaced atomically: a temporary file in its
  own directory, fsynced, renamed over it, with the old file's mode;
- a symlink (or a chain of them) is followed and its *target* replaced that
  way, so the link stays a link (a thesis folder linking to the reading list);
- `-` is standard output, and a character device (a terminal, /dev/null) or a
  FIFO is written to in place: renaming over one would replace the device node;
- anything else (a directory, a socket, a block device) and an empty path are
  refused with `OutputRefused` before anything is written.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Literal

from .errors import OutputRefused

STDOUT = "-"
# What writing to a path means: replace a regular file, write in place (device,
# FIFO), or write to standard output.
OutputKind = Literal["file", "stream", "stdout"]


def output_target(path: str | os.PathLike) -> tuple[OutputKind, Path | None]:
    """How `path` is written and where: ("file", the regular file at the end of
    any symlinks, which may not exist yet), ("stream", the node written in place)
    or ("stdout", None). Raises OutputRefused for anything else; an OSError
    (a path under a file, a symlink loop) names the path."""
    given = os.fspath(path) if path is not None else ""
    if given == "":
        raise OutputRefused("no output file given (the path is empty)")
    if given == STDOUT:
        return "stdout", None
    node = Path(given).expanduser()
    try:
        mode = os.stat(node).st_mode  # follows symlinks, and /proc/self/fd/N
    except (FileNotFoundError, NotADirectoryError):
        # A new file, or a dangling link's target (a path under a file fails when written, naming it).
        return "file", Path(os.path.realpath(node))
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OutputRefused(f"{given}: the symbolic links loop; they lead to no file") from error
        raise
    if stat.S_ISREG(mode):
        return "file", Path(os.path.realpath(node))
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream", node
    raise OutputRefused(f"{given}: {_what_it_is(mode)}, not a file: papers-tui writes only files, FIFOs and terminals")


def check_output(path: str | os.PathLike) -> None:
    """Refuse a path that `write_output` would refuse, before any work is done."""
    output_target(path)


def write_output(path: str | os.PathLike, text: str) -> None:
    """Write `text` to what `path` points at, by the rules in this module's docstring."""
    kind, target = output_target(path)
    if target is None:  # "stdout"
        sys.stdout.write(text)
        sys.stdout.flush()
    elif kind == "stream":
        write_in_place(target, text.encode("utf-8"))
    else:
        replace_file(target, text)


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """The name callers used before `write_output`; the same rules."""
    write_output(path, text)


def write_in_place(node: Path, data: bytes) -> None:
    """Write to a device or FIFO as `>` in a shell would (never creating a file:
    if the node vanished, that is an error, not a new regular file)."""
    try:
        fd = os.open(node, os.O_WRONLY)
    except OSError as error:
        error.filename = error.filename or str(node)
        raise
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def replace_file(path: Path, text: str, durable: bool = True) -> None:
    """Write to a temporary file beside `path`, fsync, rename over it: a reader,
    a crash or a full disk sees the old file or the new one, never a part.
    `path` is a regular file or none (output_target has followed any symlink).
    `durable=False` skips the fsync, for files rebuilt from the store if lost
    (the index's marker and checksums, written at every change)."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        error.filename = str(path)  # not the temporary name
        raise
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode_for(path))  # mkstemp makes it private (0600)
        os.replace(tmp, path)
    except BaseException as error:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(error, OSError) and not error.filename:
            error.filename = str(path)
        raise


def _what_it_is(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    if stat.S_ISBLK(mode):
        return "is a block device (a disk)"
    return "is not a regular file"


def mode_for(path: Path) -> int:
    """The mode the file has now, or what a new file would get (umask applied)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        pass
    umask = 0o022  # os.umask() can only be read by setting it, which races with other threads
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o666 & ~umask
