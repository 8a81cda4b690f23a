"""Reading untrusted ``.qdpx`` archives without trusting them.

Nothing is extracted to disk: members are read into memory, and only after
every member name and size has been checked. An archive is refused as a whole
(with an :class:`~outcomes_qual.errors.InputError` naming the member) when a
member name escapes the archive (``../``, an absolute path, a drive letter),
when declared sizes exceed the caps, when the compression ratio looks like a
zip bomb, or when a member decompresses to more than it declared.

Examples
--------
>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w") as zf:
...     zf.writestr("project.qde", "<Project/>")
...     zf.writestr("../evil.txt", "x")
>>> SafeZip(buf, path="demo.qdpx")
Traceback (most recent call last):
...
outcomes_qual.errors.InputError: demo.qdpx: refused: member '../evil.txt' escapes the archive (zip slip)
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass

from ..errors import InputError

#: Default caps (bytes or counts); each can be overridden per call.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_MEMBERS = 20_000
#: Largest accepted decompressed/compressed ratio for members above RATIO_FLOOR bytes.
MAX_RATIO = 200.0
RATIO_FLOOR = 1024 * 1024

_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    """Size caps for reading an archive."""

    max_member_bytes: int = MAX_MEMBER_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_members: int = MAX_MEMBERS
    max_ratio: float = MAX_RATIO
    ratio_floor: int = RATIO_FLOOR


def check_member_name(name: str) -> str | None:
    r"""Return why ``name`` is unsafe, or ``None`` when it stays inside the archive.

    Examples
    --------
    >>> check_member_name("sources/a.txt") is None
    True
    >>> check_member_name("/etc/passwd")
    'is an absolute path'
    >>> check_member_name("sources\\..\\..\\x.txt")
    'escapes the archive (zip slip)'
    """
    if "\x00" in name:
        return "contains a NUL character"
    unified = name.replace("\\", "/")
    if unified.startswith("/") or _DRIVE.match(unified):
        return "is an absolute path"
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return "escapes the archive (zip slip)"
    return None


def normalise_member(name: str) -> str:
    r"""Member name with ``/`` separators and no ``./`` parts (case kept).

    Examples
    --------
    >>> normalise_member("./Sources\\A.txt")
    'Sources/A.txt'
    """
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/")


class SafeZip:
    """An archive whose members have passed the safety checks.

    Parameters
    ----------
    file : str, os.PathLike or binary file object
    path : str, optional
        Name for messages (defaults to ``file`` when it is a path).
    limits : Limits, optional

    Raises
    ------
    InputError
        When the file is not a zip archive or any member is unsafe.
    """

    def __init__(self, file, *, path: str | None = None, limits: Limits | None = None):
        self.path = path if path is not None else (os.fspath(file) if isinstance(file, (str, os.PathLike)) else "archive")
        self.limits = limits or Limits()
        try:
            self._zf = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as err:
            raise InputError(f"not a readable zip archive ({err})", path=self.path) from None
        try:
            self._index = self._check()
        except InputError:
            self._zf.close()
            raise

    def _refuse(self, message: str) -> InputError:
        return InputError(f"refused: {message}", path=self.path)

    def _check(self) -> dict[str, zipfile.ZipInfo]:
        lim = self.limits
        infos = self._zf.infolist()
        if len(infos) > lim.max_members:
            raise self._refuse(f"the archive has {len(infos):,} members, more than the {lim.max_members:,} allowed")
        index: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            why = check_member_name(info.filename)
            if why:
                raise self._refuse(f"member {info.filename!r} {why}")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise self._refuse(f"member {info.filename!r} is a symbolic link")
            if info.flag_bits & 0x1:
                raise self._refuse(f"member {info.filename!r} is encrypted")
            if info.is_dir():
                continue
            if info.file_size > lim.max_member_bytes:
                raise self._refuse(
                    f"member {info.filename!r} declares {info.file_size:,} bytes, more than the "
                    f"{lim.max_member_bytes:,} allowed per member"
                )
            if info.file_size > lim.ratio_floor and info.file_size > lim.max_ratio * max(info.compress_size, 1):
                ratio = info.file_size / max(info.compress_size, 1)
                raise self._refuse(
                    f"member {info.filename!r} expands {ratio:,.0f}-fold ({info.compress_size:,} -> "
                    f"{info.file_size:,} bytes); more than {lim.max_ratio:g}-fold looks like a zip bomb"
                )
            total += info.file_size
            if total > lim.max_total_bytes:
                raise self._refuse(f"members declare more than the {lim.max_total_bytes:,} bytes allowed in total")
            key = normalise_member(info.filename)
            if key.lower() in index:
                raise self._refuse(f"member {info.filename!r} appears twice")
            index[key.lower()] = info
        return index

    # ----------------------------------------------------------------- access
    def names(self) -> list[str]:
        """Normalised member names (files only), in archive order."""
        return [normalise_member(i.filename) for i in self._index.values()]

    def find(self, name: str) -> str | None:
        """The stored member matching ``name`` case-insensitively, or ``None``."""
        info = self._index.get(normalise_member(name).lower())
        return info.filename if info is not None else None

    def read(self, name: str) -> bytes:
        """Read member ``name`` (case-insensitive), never beyond what it declared.

        Raises
        ------
        InputError
            When the member is missing, corrupt, or decompresses to more bytes
            than it declared or the cap allows.
        """
        info = self._index.get(normalise_member(name).lower())
        if info is None:
            raise InputError(f"member {name!r} is missing from the archive", path=self.path)
        cap = min(info.file_size, self.limits.max_member_bytes)
        out = bytearray()
        try:
            with self._zf.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > cap:
                        raise self._refuse(f"member {info.filename!r} decompresses to more than the {cap:,} bytes it declared")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as err:
            raise InputError(f"member {info.filename!r} is corrupt or unreadable ({err})", path=self.path) from None
        except RuntimeError as err:  # encrypted members that slipped past the flag check
            raise self._refuse(f"member {info.filename!r} cannot be read ({err})") from None
        return bytes(out)

    def close(self) -> None:
        self._zf.close()

    def __enter__(self) -> "SafeZip":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
