#!/usr/bin/env python3
"""The message values of a bus.db topic, decoded, in offset order.

    scripts/bus_values.py DATA_DIR/bus.db [TOPIC]   one value a line

or, from Python, bus_values.values(path, topic) -> iterator of bytes.

bus.db stores values through sqldb's codec (src/sqldb/zblob.c): a value
that starts with the byte 0xFF is FF 00 raw, FF 01 zstd frame, or FF 02 id
frame compressed with built-in dictionary id (src/sqldb/zdict<id>.c); any
other value is itself. For readers outside skred (tests, benchmarks) that
read bus.db with SQL. Needs python3-zstandard.
"""
import os
import re
import sqlite3
import sys

try:
    import zstandard
except ImportError:
    # A python3 first on PATH without python3-zstandard (pyenv, a venv):
    # run as Debian's, which has it.
    if __name__ == "__main__" and os.path.exists("/usr/bin/python3") \
            and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "sqldb")
_dicts = {}


def _dict(i):
    if i not in _dicts:
        with open(os.path.join(_SRC, f"zdict{i}.c")) as f:
            raw = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2}),", f.read()))
        _dicts[i] = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(raw))
    return _dicts[i]


def decode(v):
    """The value stored as v (bytes or str)."""
    if isinstance(v, str):
        v = v.encode("utf-8")
    if not v or v[0] != 0xFF:
        return v
    if v[1] == 0:
        return v[2:]
    if v[1] == 1:
        return zstandard.ZstdDecompressor().decompress(v[2:])
    if v[1] == 2:
        i, shift, p = 0, 0, 2
        while True:
            c = v[p]
            p += 1
            i |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                break
        return _dict(i).decompress(v[p:])
    raise ValueError(f"unknown stored value format {v[1]}")


def values(path, topic=None):
    db = sqlite3.connect(path)
    sql = "SELECT value FROM message"
    args = ()
    if topic:
        sql += " WHERE topic = ?"
        args = (topic,)
    for (v,) in db.execute(sql + " ORDER BY topic, seq", args):
        yield decode(v if v is not None else b"")


if __name__ == "__main__":
    out = sys.stdout.buffer
    for value in values(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None):
        out.write(value + b"\n")
