"""A folder source's manifest ({path: (size, mtime_ns)}, see `units.scan_tree`) packed into
three values of one row per source: its paths, its sizes and its times.

A round's manifest is 147,561 paths (inference v3.0, 16 MB of path text). As rows of a
table it cost an import 0.3-0.45 s (converting, inserting, committing and checkpointing
147,561 rows) and doubled the store's size; packed, it is 0.99 MB, written at once,
and `update` reads it back at C speed but for the one split of the paths.

Format: `paths` is the zlib-compressed UTF-8 of the paths joined by NUL (the one character
no path holds; a name that is not UTF-8 comes back as the same `str` the listing gave, by
surrogateescape); `sizes` and `mtimes` are the zlib-compressed little-endian int64 arrays
of the same length, in the same order.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from collections.abc import Iterable

_SEP = "\0"


def _int64s(values: Iterable[int]) -> bytes:
    packed = array("q", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return zlib.compress(packed.tobytes(), 1)


def _ints(blob: bytes) -> list[int]:
    values = array("q")
    values.frombytes(zlib.decompress(blob))
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def pack(manifest: dict[str, tuple[int, int]]) -> tuple[bytes, bytes, bytes]:
    """(paths, sizes, mtimes) of the manifest, in its order."""
    paths = zlib.compress(_SEP.join(manifest).encode("utf-8", "surrogateescape"), 1)
    return paths, _int64s(st[0] for st in manifest.values()), _int64s(st[1] for st in manifest.values())


def unpack(paths: bytes, sizes: bytes, mtimes: bytes) -> list[tuple[str, int, int]]:
    """(path, size, mtime_ns) in the packed order; ValueError when a value is damaged."""
    try:
        size_list, mtime_list = _ints(sizes), _ints(mtimes)
        text = zlib.decompress(paths).decode("utf-8", "surrogateescape")
    except (zlib.error, ValueError) as exc:  # ValueError: a byte count that is not whole int64s
        raise ValueError(f"damaged manifest: {exc}") from None
    names = text.split(_SEP) if size_list else []
    if not len(names) == len(size_list) == len(mtime_list):
        raise ValueError("damaged manifest: its paths, sizes and times do not line up")
    return list(zip(names, size_list, mtime_list, strict=True))
