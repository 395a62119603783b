#!/usr/bin/env bash
# Real Kafka: the Pipeline page's message browser and group members through
# the daemon's API (bus browse and members on the kafka backend). The
# browser's answers are compared with kcat's (an independent client): by
# partition and offset, by time, by key; the members are the two `skred
# process --follow` of the group, each with the partitions it was given,
# together all six. Replay of a dead letter goes through the raw topic.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_kafka.sh"
start_sim --seed 8 --bad-rate 0.05
"$SKRED" fetch --regions A --lang en --from 2024-01-01 --to 2024-01-10 -q >/dev/null
"$SKRED" process -q >/dev/null 2>&1 || true
start_serve
api() { curl -sf "$H$1"; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

# By partition and offset: the same keys as kcat reads there.
want=$(kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_RAW" -p 2 -o 1 -c 5 -e -q -f '%o %k\n')
got=$(api "/api/v1/messages?topic=raw&partition=2&offset=1&limit=5" | py 'print("\n".join("%d %s" % (m["offset"], m["key"]) for m in d["messages"]))')
check "browse partition 2 from offset 1 = kcat's" "$want" "$got"
# By key, every partition: kcat's messages with that key, sorted alike.
K=3011:2:2024-01-05
want=$(kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_RAW" -e -q -f '%p %o %k\n' | awk -v k="$K" '$3==k' | sort -n -k1,1 -k2,2)
got=$(api "/api/v1/messages?topic=raw&key=$K&limit=50" | py 'print("\n".join("%d %d %s" % (m["partition"], m["offset"], m["key"]) for m in d["messages"]))')
[ -n "$want" ] && check "browse by key = kcat's messages with that key" "$want" "$got" || fail "kcat found no $K"
# Payload as stored, pretty-printable JSON.
api "/api/v1/messages?topic=raw&key=$K&limit=1" | py 'json.loads(d["messages"][0]["payload"]); print("ok")' >"$T/pl" 2>&1
check "the payload is the record's JSON" ok "$(cat "$T/pl")"
# By time: from after everything, nothing; from the start, the first ones.
check "browse from a time after the last message: none" 0 "$(api "/api/v1/messages?topic=raw&from=2999-01-01T00:00:00.000Z" | py 'print(d["count"])')"
n=$(api "/api/v1/messages?topic=raw&from=2000-01-01T00:00:00.000Z&limit=500" | py 'print(d["count"])')
total=$(kcount "$SKRED_BUS_TOPIC_RAW")
[ "$total" -gt 500 ] && want=500 || want=$total
check "browse from a time before the first: every message (up to the limit)" "$want" "$n"
# Dead letters are browsable too.
check "browse the dead-letter topic = kcat's count" "$(kcount "$SKRED_BUS_TOPIC_DLQ")" "$(api "/api/v1/messages?topic=dlq&limit=500" | py 'print(d["count"])')"

# Members: none while nothing consumes; then two processors.
check "members: none while nobody consumes" 0 "$(api /api/v1/members | py 'print(len(d["members"]))')"
for i in 1 2; do
  "$SKRED" process --follow -v >"$T/p$i.out" 2>"$T/p$i.err" &
  eval "p$i=\$!"
done
for _ in $(seq 150); do
  [ "$(api /api/v1/members | py 'print(sum(1 for m in d["members"] if m["assignment"]))')" = 2 ] && break; sleep 0.2
done
api /api/v1/members >"$T/members.json"
check "members: the two processors" 2 "$(py 'print(len(d["members"]))' <"$T/members.json")"
check "members: together they hold the six partitions of the raw topic" "0 1 2 3 4 5" \
  "$(py 'import os; t=os.environ["SKRED_BUS_TOPIC_RAW"]+":"; ps=[int(p) for m in d["members"] for tp in m["assignment"].split(";") if tp.startswith(t) for p in tp[len(t):].split(",") if p]; print(" ".join(map(str, sorted(ps))))' <"$T/members.json")"
check "members: each names its client and host" 2 "$(py 'print(sum(1 for m in d["members"] if m["client_id"] and m["host"]))' <"$T/members.json")"
# shellcheck disable=SC2154 # p1 and p2 are set by the eval above
kill -TERM "$p1" "$p2" 2>/dev/null || true; wait "$p1" "$p2" || true

# Replay on Kafka: a dead letter dry-run then replayed is dead again (the
# simulator's bad records stay bad) and the run is in the ledger.
# A letter is named by partition:offset (offsets repeat across partitions).
off=$(api "/api/v1/dlq?limit=1" | py 'x=d["dead_letters"][0]; print("%d:%d" % (x["partition"], x["offset"]))')
check "dry run: still dead" dead "$(curl -sf -X POST "$H/api/v1/dlq/replay?offsets=$off&dry_run=1" | py 'print(d["letters"][0]["outcome"])')"
before=$(kcount "$SKRED_BUS_TOPIC_RAW")
curl -sf -X POST "$H/api/v1/dlq/replay?offsets=$off" >"$T/replay.json" || fail "replay: $(cat "$T/replay.json")"
check "replay: back on the raw topic" $((before + 1)) "$(kcount "$SKRED_BUS_TOPIC_RAW")"
check "replay: exactly that letter" 1 "$(py 'print(len(d["letters"]))' <"$T/replay.json")"
check "replay: a run of job replay in the ledger" "replay success" "$(api '/api/v1/runs?limit=1' | py 'r=d["runs"][0]; print(r["job"], r["state"])')"
stop_serve
finish
