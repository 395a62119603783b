"""Print a warehouse's content in a canonical order, leaving out columns that
record when something happened on this machine (first_seen, store_meta), so
two warehouses built from the same data compare equal."""
import sqlite3
import sys

VOLATILE = {"first_seen"}

db = sqlite3.connect(sys.argv[1])
# A packed table (schema 4) is read through its view, row by row.
tables = [r[0] for r in db.execute(
    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
    "AND name NOT LIKE 'sqlite_%' AND name <> 'store_meta' "
    "AND name NOT LIKE '%\\_packed' ESCAPE '\\' ORDER BY name")]
out = sys.stdout
for t in tables:
    cols = [r[1] for r in db.execute(f"PRAGMA table_info({t})") if r[1] not in VOLATILE]
    # Each row's repr once: sorting the reprs is sorting by repr.
    lines = sorted(map(repr, db.execute(f"SELECT {', '.join(cols)} FROM {t}")))
    out.write(f"## {t} {len(lines)} rows\n")
    if lines:
        out.write("\n".join(lines))
        out.write("\n")
