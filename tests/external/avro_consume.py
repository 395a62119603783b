#!/usr/bin/env python3
"""avro_consume.py - the independent Avro consumer of test_kafka_avro.sh.

Reads a topic from the beginning with confluent-kafka's Consumer and decodes
every value with its AvroDeserializer through its SchemaRegistryClient (no
skred code), printing one JSON object per record: {"key", "schema_id",
"record"} with the record as skred's JSON would show it (instants back to
UTC text, dates to YYYY-MM-DD), sorted by key.

  avro_consume.py BROKERS TOPIC REGISTRY_URL COUNT
"""
import datetime
import json
import sys
import time

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def plain(v):
    if isinstance(v, datetime.datetime):
        v = v.astimezone(datetime.timezone.utc)
        return v.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (v.microsecond // 1000)
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def main():
    brokers, topic, url, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    deser = AvroDeserializer(SchemaRegistryClient({"url": url}))
    c = Consumer({"bootstrap.servers": brokers, "group.id": "avro-check-%d" % time.time(),
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    out, deadline = [], time.time() + 30
    while len(out) < count and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            raise SystemExit("consumer: %s" % m.error())
        v = m.value()
        rec = deser(v, SerializationContext(topic, MessageField.VALUE))
        out.append({"key": m.key().decode(), "schema_id": int.from_bytes(v[1:5], "big"),
                    "record": plain(rec)})
    c.close()
    for o in sorted(out, key=lambda o: o["key"]):
        print(json.dumps(o, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
