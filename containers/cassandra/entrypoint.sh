#!/bin/bash
# One Cassandra node in the foreground (exec: SIGTERM reaches the JVM, which
# drains and stops). Gossip/storage on the container's loopback (a single
# node: its identity survives a new container IP); CQL on every address.
# No authentication: the node is reachable only on the compose network (and
# on 127.0.0.1 of the host if a port is published).
set -euo pipefail
dir=/var/lib/cassandra
lib=/opt/cassandra/lib
mkdir -p "$dir/data" "$dir/commitlog" "$dir/saved_caches" "$dir/hints" "$dir/triggers" "$dir/conf"
ip=$(hostname -I 2>/dev/null | awk '{ print $1 }')
[ -n "$ip" ] || ip=127.0.0.1
cat >"$dir/conf/cassandra.yaml" <<YAML
cluster_name: skred
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:7000"
listen_address: 127.0.0.1
rpc_address: 0.0.0.0
broadcast_rpc_address: $ip
storage_port: 7000
start_native_transport: true
native_transport_port: 9042
data_file_directories:
  - $dir/data
commitlog_directory: $dir/commitlog
saved_caches_directory: $dir/saved_caches
hints_directory: $dir/hints
cdc_raw_directory: $dir/cdc_raw
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
# acked writes survive a kill of the container (grouped fsyncs)
commitlog_sync: group
commitlog_sync_group_window: 10ms
commitlog_segment_size: 16MiB
hinted_handoff_enabled: false
write_request_timeout: 5000ms
concurrent_reads: 4
concurrent_writes: 4
concurrent_counter_writes: 2
concurrent_materialized_view_writes: 2
concurrent_compactors: 1
memtable_flush_writers: 1
YAML
cat >"$dir/conf/logback.xml" <<XML
<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level %date{ISO8601} [%thread] %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra" level="INFO"/>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
XML
jamm=$(compgen -G "$lib/jamm-*.jar" | head -n 1)
# shellcheck disable=SC2206  # word list
jvm=($CASSANDRA_HEAP -Xss256k -XX:+UseG1GC -XX:+ParallelRefProcEnabled
     -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true
     -Dchronicle.analytics.disable=true -Dchronicle.announcer.disable=true
     -Djdk.attach.allowAttachSelf=true)
for m in java.base/jdk.internal.misc java.management.rmi/com.sun.jmx.remote.internal.rmi \
         java.management/com.sun.jmx.remote.security java.rmi/sun.rmi.registry \
         java.rmi/sun.rmi.server java.sql/java.sql java.base/java.lang.ref \
         jdk.unsupported/sun.misc jdk.compiler/com.sun.tools.javac.file \
         jdk.attach/sun.tools.attach; do
  jvm+=(--add-exports "$m=ALL-UNNAMED")
done
for m in java.base/java.lang.module java.base/jdk.internal.loader java.base/jdk.internal.ref \
         java.base/jdk.internal.reflect java.base/jdk.internal.math java.base/jdk.internal.module \
         java.base/jdk.internal.util.jar jdk.management/com.sun.management.internal \
         java.base/sun.nio.ch java.base/java.io java.base/java.lang.reflect \
         jdk.compiler/com.sun.tools.javac java.base/java.lang java.base/java.util \
         java.base/java.nio; do
  jvm+=(--add-opens "$m=ALL-UNNAMED")
done
jvm+=(-Dio.netty.tryReflectionSetAccessible=true
      -Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11
      "-javaagent:$jamm"
      "-Dcassandra.config=file://$dir/conf/cassandra.yaml" "-Dcassandra.storagedir=$dir"
      "-Dcassandra.logdir=$dir/logs" "-Dlogback.configurationFile=$dir/conf/logback.xml"
      "-Dcassandra.triggers_dir=$dir/triggers" -Dcassandra-foreground=yes
      -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.superuser_setup_delay_ms=0
      -Dcassandra.shutdown_announce_in_ms=0)
exec java "${jvm[@]}" -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon
