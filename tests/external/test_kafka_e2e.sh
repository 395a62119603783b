#!/usr/bin/env bash
# Real Kafka: simulator -> fetch -> Kafka -> process -> warehouse; re-run
# idempotency; keys and partitions as seen by kcat; clean and dead-letter
# topics.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_kafka.sh"
start_sim --seed 4 --bad-rate 0.05

out=$("$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10 2>"$T/err") || { fail "run: $(tail -3 "$T/err")"; }
echo "$out"
check "kcat reads every raw message" 920 "$(kcount "$SKRED_BUS_TOPIC_RAW")"
dead=$(echo "$out" | grep -o '[0-9]* dead-lettered' | cut -d' ' -f1)
stored=$(wh "SELECT COUNT(*) FROM avalanche_warning")
check "stored + dead-lettered = fetched" 920 "$((stored + dead))"
[ "$dead" -gt 0 ] && ok "some records dead-lettered ($dead)" || fail "no dead letters with --bad-rate"
check "kcat reads the dead letters" "$dead" "$(kcount "$SKRED_BUS_TOPIC_DLQ")"
kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_DLQ" -e -q -c 1 -f '%h\n' >"$T/dlqh"
grep -q "reason=" "$T/dlqh" && ok "dead-letter reason in headers" || fail "headers: $(cat "$T/dlqh")"
grep -q "source_partition=[0-5],.*source_offset=[0-9]" "$T/dlqh" && ok "dead letters name the source partition and offset" || fail "headers: $(cat "$T/dlqh")"
check "clean topic: one record per stored warning" "$stored" "$(kcount "$SKRED_BUS_TOPIC_CLEAN")"
kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_CLEAN" -e -q -c 1 -f '%s\n' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert isinstance(d["danger_level"], int) and d["valid_from"].endswith("Z"), d' \
  && ok "clean records are typed JSON" || fail "clean record"
# Keys and partitioning, read independently.
kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_RAW" -e -q -f '%k %p\n' >"$T/keys"
odd=$(grep -cvE '^30[0-4][0-9]:[12]:2024-01-(0[1-9]|10) [0-5]$' "$T/keys" || true)
[ "$odd" -le "$dead" ] && ok "keys are region:lang:date (except $odd of the $dead bad records)" || fail "$odd malformed keys"
check "one region's warnings share one partition" 46 "$(awk '{split($1,k,":"); print k[1], $2}' "$T/keys" | sort -u | wc -l)"
check "no lag left" 0 "$(lagsum)"
check "headers carry the source URL" 1 "$(kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_RAW" -e -q -c 1 -f '%h\n' | grep -c 'url=http://127.0.0.1')"

before=$(dump_warehouse "$SKRED_DATA_DIR/warehouse.db" | sha256sum)
out=$("$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10 2>/dev/null)
case "$out" in *"0 inserted, 0 updated, $stored unchanged"*) ok "re-run through Kafka changes nothing";; *) fail "re-run: $out";; esac
check "warehouse identical after the re-run" "$before" "$(dump_warehouse "$SKRED_DATA_DIR/warehouse.db" | sha256sum)"
check "re-run publishes no clean duplicates" "$stored" "$(kcount "$SKRED_BUS_TOPIC_CLEAN")"
case "$out" in *" $dead dead-lettered"*) ok "re-run dead-lettered the bad records again";; *) fail "re-run: $out";; esac
check "re-fetched: still one dead letter each" "$dead" "$(kcount "$SKRED_BUS_TOPIC_DLQ")"
check "skred dlq shows each once" "$dead" "$("$SKRED" dlq --limit 1000 | wc -l)"
finish
