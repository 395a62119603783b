#!/bin/bash
# Kafka broker+controller in the foreground (exec: SIGTERM reaches the JVM).
# The controller listens on loopback only; clients use kafka:9092 on the
# compose network (KAFKA_ADVERTISED_HOST).
set -euo pipefail
data=/var/lib/kafka/data
conf=/var/lib/kafka/config
mkdir -p "$data" "$conf"
cat >"$conf/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_HOST}:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
auto.create.topics.enable=false
PROPS
cat >"$conf/log4j.properties" <<PROPS
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
PROPS
# shellcheck disable=SC2206  # word lists
jvm=($KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
     -Djava.awt.headless=true "-Dlog4j.configuration=file:$conf/log4j.properties")
cp='/opt/kafka/lib/*'
if [ ! -f "$data/meta.properties" ]; then
  java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format \
    -t "${KAFKA_CLUSTER_ID:-c2tyZWQtdGVzdC1rYWZrYQ}" -c "$conf/server.properties" -g
fi
exec java "${jvm[@]}" -cp "$cp" kafka.Kafka "$conf/server.properties"
