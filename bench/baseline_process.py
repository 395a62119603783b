"""Baseline for `skred process`: the same raw messages, parsed with Python's
json, mapped to the warehouse's main columns (times left as local text, no
validation, no revisions, no children) and inserted with executemany - a
lower bound of what the original PySpark cleaning step did per record.

  baseline_process.py SRC DST.db   SRC: a bus.db (its message table) or a
                                   file of JSON lines, one warning each"""
import json
import os
import sqlite3
import sys

dst = sqlite3.connect(sys.argv[2])
dst.execute("PRAGMA journal_mode=WAL")
dst.execute("""CREATE TABLE IF NOT EXISTS avalanche_warning(
  region_id INTEGER, lang_key INTEGER, valid_date TEXT, reg_id INTEGER,
  region_name TEXT, danger_level INTEGER, valid_from TEXT, valid_to TEXT,
  publish_time TEXT, main_text TEXT, n_problems INTEGER,
  PRIMARY KEY(region_id, lang_key, valid_date))""")
rows = []
if sys.argv[1].endswith(".db"):
    # bus.db values are stored through skred's codec: decoded here.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
    import bus_values
    cur = ((v,) for v in bus_values.values(sys.argv[1], "avalanche_region_warning"))
else:
    cur = ((line,) for line in open(sys.argv[1], "rb"))
for (value,) in cur:
    w = json.loads(value)
    rows.append((w["RegionId"], w["LangKey"], w["ValidFrom"][:10], w["RegId"],
                 w.get("RegionName"), int(w["DangerLevel"]), w["ValidFrom"],
                 w.get("ValidTo"), w.get("PublishTime"), (w.get("MainText") or "").strip(),
                 len(w.get("AvalancheProblems") or [])))
    if len(rows) == 500:
        dst.executemany("INSERT OR REPLACE INTO avalanche_warning VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        dst.commit()
        rows.clear()
dst.executemany("INSERT OR REPLACE INTO avalanche_warning VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
dst.commit()
