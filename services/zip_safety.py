"""Opening an uploaded zip without trusting it.

`plan` reads only the archive's central directory and refuses the whole archive, listing every
entry it refuses and why, when any entry is unsafe: an absolute path, a drive letter, a `..`
part, a symbolic link or other special file (the Unix mode in the external attributes), an
encrypted entry, a declared size over the per-file limit, a compression ratio only a zip bomb
has, a declared total over the import limit, or more entries than an import takes. Nothing is
written before every entry has passed.

`Unpacker` then writes the planned entries, one call per entry, under a folder of the caller's.
It counts the bytes as they are decompressed and stops an entry at its declared size and at the
limits whatever the header claimed, so a lying header costs a refusal, not the disk. Names from
the archive never choose where a file lands beyond the checked parts; files are created with
`x` (never replacing, never following a link). Every call here blocks: run it in a thread
(`services.blocking`).
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from services.errors import N_, Invalid

# Why an entry (or the archive, with an empty path) is refused.
REASONS = {
    "absolute-path": N_("an absolute path"),
    "drive-letter": N_("a drive letter in its path"),
    "parent-folder": N_("a path that climbs out of its folder (..)"),
    "bad-name": N_("a name that cannot be a file name"),
    "duplicate": N_("a second entry with the same name"),
    "symlink": N_("a symbolic link"),
    "special-file": N_("not an ordinary file or folder"),
    "encrypted": N_("encrypted"),
    "too-large": N_("larger than a document may be"),
    "ratio": N_("compressed suspiciously well (a zip bomb)"),
    "size-mismatch": N_("unpacks to more than it declares"),
    "damaged": N_("damaged, or compressed in a way Kring cannot read"),
    "total-too-large": N_("all files together are larger than an import may be"),
    "too-many-entries": N_("more files than an import takes"),
    "not-a-zip": N_("not a zip file, or a damaged one"),
}
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 16
_MAX_PART_BYTES = 255  # a file name on the usual file systems
_MAC_FORKS = "__MACOSX"  # macOS's resource forks beside the real files: not part of the drive


@dataclass(frozen=True)
class Limits:
    entry_bytes: int  # one file unpacked
    total_bytes: int  # all files unpacked
    entries: int = 20_000
    ratio: int = 100  # unpacked size over packed size, for entries past `ratio_floor`
    ratio_floor: int = 1_048_576


@dataclass(frozen=True)
class Refusal:
    path: str  # the entry's name as the archive has it; empty for the archive as a whole
    reason: str  # a key of REASONS

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


class ZipRefused(Invalid):
    """The archive is refused whole; `refusals` says which entries and why."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__(N_("The zip file was refused; nothing from it was imported."))
        self.refusals = refusals


@dataclass(frozen=True)
class Entry:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]  # the checked relative path it is written to

    @property
    def path(self) -> str:
        return "/".join(self.parts)


def _parts(name: str) -> tuple[str | None, tuple[str, ...]]:
    """(the reason the name is refused, or None; its path parts)."""
    if "\x00" in name:
        return "bad-name", ()
    normal = name.replace("\\", "/")
    if normal.startswith("/"):
        return "absolute-path", ()
    if _DRIVE.match(normal):
        return "drive-letter", ()
    parts = tuple(part for part in normal.split("/") if part not in ("", "."))
    if ".." in parts:
        return "parent-folder", ()
    if not parts or any(len(part.encode("utf-8", "surrogateescape")) > _MAX_PART_BYTES for part in parts):
        return "bad-name", ()
    return None, parts


def _judge(info: zipfile.ZipInfo, limits: Limits) -> tuple[str | None, tuple[str, ...]]:
    reason, parts = _parts(info.filename)
    if reason is not None:
        return reason, parts
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symlink", parts
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "special-file", parts
    if info.flag_bits & 0x1:
        return "encrypted", parts
    if info.file_size > limits.entry_bytes:
        return "too-large", parts
    if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(info.compress_size, 1):
        return "ratio", parts
    return None, parts


def plan(path: Path, limits: Limits) -> list[Entry]:
    """The files to unpack from the zip at `path`, in the archive's order, without a top folder
    all of them share (a zipped drive folder imports as the folder itself would); folders and
    macOS's `__MACOSX` forks are left out. Raises `ZipRefused` naming every refused entry."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ZipRefused([Refusal("", "not-a-zip")]) from None
    if len(infos) > limits.entries:
        raise ZipRefused([Refusal("", "too-many-entries")])
    refusals: list[Refusal] = []
    entries: list[Entry] = []
    seen: set[tuple[str, ...]] = set()
    total = 0
    for info in infos:
        reason, parts = _judge(info, limits)
        if reason is None and parts in seen:
            reason = "duplicate"
        if reason is not None:
            refusals.append(Refusal(info.filename, reason))
            continue
        seen.add(parts)
        if info.is_dir() or parts[0] == _MAC_FORKS:
            continue
        total += info.file_size
        entries.append(Entry(info, parts))
    if total > limits.total_bytes:
        refusals.append(Refusal("", "total-too-large"))
    if refusals:
        raise ZipRefused(refusals)
    tops = {entry.parts[0] for entry in entries}
    if len(tops) == 1 and all(len(entry.parts) > 1 for entry in entries):
        entries = [Entry(entry.info, entry.parts[1:]) for entry in entries]
    return entries


class Unpacker:
    """Writes planned entries under `folder` (which must be new and the caller's), counting every
    byte against the entry's declared size and the limits. One archive, opened once; not for
    several threads at a time."""

    def __init__(self, path: Path, folder: Path, limits: Limits) -> None:
        self._archive = zipfile.ZipFile(path)
        self._folder = folder
        self._limits = limits
        self.written = 0

    def unpack(self, entry: Entry) -> None:
        """Write one entry; `ZipRefused` if it unpacks to more than allowed or is damaged (what
        it wrote so far stays for the caller to remove with the folder)."""
        target = self._folder.joinpath(*entry.parts)
        cap = min(entry.info.file_size, self._limits.entry_bytes)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with self._archive.open(entry.info) as source, target.open("xb") as out:
                self._copy(source, out, entry, cap)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            raise ZipRefused([Refusal(entry.info.filename, "damaged")]) from None
        except OSError:  # a file where a folder of another entry goes, or the reverse
            raise ZipRefused([Refusal(entry.info.filename, "bad-name")]) from None

    def _copy(self, source: IO[bytes], out: IO[bytes], entry: Entry, cap: int) -> None:
        size = 0
        while chunk := source.read(_CHUNK):
            size += len(chunk)
            self.written += len(chunk)
            if size > cap:
                raise ZipRefused([Refusal(entry.info.filename, "size-mismatch")])
            if self.written > self._limits.total_bytes:
                raise ZipRefused([Refusal(entry.info.filename, "total-too-large")])
            out.write(chunk)

    def close(self) -> None:
        self._archive.close()
