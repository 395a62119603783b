#!/usr/bin/env bash
# Real Kafka: two `skred process` in one consumer group split the partitions
# and together store every record exactly once.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_kafka.sh"
start_sim --seed 8

# Create the topic and both members first, then feed them.
"$SKRED" fetch --regions 3011 --from 2024-01-01 --to 2024-01-01 -q >/dev/null
for i in 1 2; do
  "$SKRED" process --follow -v >"$T/p$i.out" 2>"$T/p$i.err" &
  eval "p$i=\$!"
done
for _ in $(seq 100); do
  [ "$(grep -c 'assigned group' "$T/p1.err" "$T/p2.err" | awk -F: '{s+=$2} END {print s}')" -ge 2 ] && break; sleep 0.2
done
"$SKRED" fetch --regions all --lang both --from 2024-01-01 --to 2024-02-29 -q >/dev/null
n=$(kcount "$SKRED_BUS_TOPIC_RAW")
for _ in $(seq 300); do [ "$(lagsum)" -eq 0 ] && break; sleep 0.2; done
# shellcheck disable=SC2154 # p1 and p2 are set by the eval above
for p in "$p1" "$p2"; do
  kill -0 "$p" 2>/dev/null && ok "processor $p still following" || fail "processor $p exited early: $(tail -3 "$T/p1.err" "$T/p2.err" | grep -v ' info ')"
done
kill -TERM "$p1" "$p2" 2>/dev/null || true; wait "$p1" "$p2" || true
c1=$(grep -o 'process: [0-9]*' "$T/p1.out" | awk '{print $2}')
c2=$(grep -o 'process: [0-9]*' "$T/p2.out" | awk '{print $2}')
echo "# processor 1 consumed $c1, processor 2 consumed $c2 of $n"
[ "${c1:-0}" -gt 0 ] && [ "${c2:-0}" -gt 0 ] && ok "both processors got partitions" || fail "split: $c1 / $c2"
check "together they consumed every message once" "$n" "$((c1 + c2))"
keys=$(kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_RAW" -e -q -f '%k\n' | sort -u | wc -l)
check "the warehouse holds every distinct record exactly once" "$keys" "$(wh "SELECT COUNT(*) FROM avalanche_warning")"
check "no lag" 0 "$(lagsum)"
finish
