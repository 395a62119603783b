"""Baseline for skred's Cassandra writes: the Python cassandra-driver
(DataStax) writing the same raw warnings with execute_concurrent_with_args
(prepared INSERT, concurrency 64) into one table shaped like skred's
warnings_by_region - one write per warning, top-level fields only, no
read-before-write, no problems, weather, revisions or map table."""
import json
import os
import sqlite3
import sys
import time

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
from cassandra.concurrent import execute_concurrent_with_args

bus, ks, user, pw = sys.argv[1:5]
cluster = Cluster(["127.0.0.1"], auth_provider=PlainTextAuthProvider(user, pw))
s = cluster.connect()
s.execute(f"CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = "
          "{'class': 'SimpleStrategy', 'replication_factor': 1}")
s.execute(f"""CREATE TABLE IF NOT EXISTS {ks}.warnings (region_id int,
  lang_key int, valid_date date, reg_id bigint, region_name text,
  danger_level int, valid_from text, valid_to text, publish_time text,
  main_text text, PRIMARY KEY ((region_id, lang_key), valid_date))""")
ins = s.prepare(f"INSERT INTO {ks}.warnings (region_id, lang_key, valid_date, "
                "reg_id, region_name, danger_level, valid_from, valid_to, "
                "publish_time, main_text) VALUES (?,?,?,?,?,?,?,?,?,?)")
rows = []
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import bus_values  # bus.db values are stored through skred's codec
for v in bus_values.values(bus, "avalanche_region_warning"):
    w = json.loads(v)
    rows.append((w["RegionId"], w["LangKey"], w["ValidFrom"][:10], w["RegId"],
                 w.get("RegionName"), int(w["DangerLevel"]), w["ValidFrom"],
                 w.get("ValidTo"), w.get("PublishTime"), w.get("MainText")))
t0 = time.time()
res = execute_concurrent_with_args(s, ins, rows, concurrency=64, raise_on_first_error=True)
dt = time.time() - t0
print(f"python {len(rows)} {dt:.3f}")
cluster.shutdown()
