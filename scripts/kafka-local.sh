#!/usr/bin/env bash
# kafka-local.sh - a single-node Apache Kafka broker (KRaft mode, combined broker+controller)
# on 127.0.0.1, for dojot-red's integration tests. No Docker and no tarball download: the
# broker's jars come from Maven Central through Maven, and it runs with plain `java -cp`.
#
#   scripts/kafka-local.sh start    fetch jars (first run only), format storage, start, wait until ready
#   scripts/kafka-local.sh stop     stop the broker started by `start` (pid file), wait until it is gone
#   scripts/kafka-local.sh status   print "running ..." (exit 0) or "stopped" (exit 1)
#   scripts/kafka-local.sh logs [N] print the last N (default 100) lines of the broker log
#   scripts/kafka-local.sh env      print the DOJOT_TEST_KAFKA_* settings clients need (also in
#                                   run-<port>/test.env; run-<port>/platform.env has the DOJOT_KAFKA_* ones)
#
# Security (DOJOT_KAFKA_SECURITY=mtls, the default): every listener is TLS and requires a client
# certificate; a client's principal is its certificate's CN, and KRaft's StandardAuthorizer
# allows nothing that no ACL allows. Two CAs are made under run-<port>/tls/:
#   broker-ca   signs the broker's certificate (clients verify the broker against it)
#   client-ca   signs the platform's certificate (CN=dojot-red-platform, a super user) and, with
#               its key handed to the platform, each tenant runtime's certificate (CN=tenant-<tenant>)
# DOJOT_KAFKA_SECURITY=plaintext starts an open broker instead (no TLS, no authorizer).
#
# Environment (all optional):
#   DOJOT_KAFKA_HOME             cache + state dir (default: $HOME/.cache/dojot-red/kafka)
#   DOJOT_KAFKA_VERSION          Kafka version (default: 3.9.2, see below)
#   DOJOT_KAFKA_PORT             client (PLAINTEXT) port on 127.0.0.1 (default: 9092)
#   DOJOT_KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1 (default: 9093)
#   DOJOT_KAFKA_PARTITIONS       num.partitions for auto-created topics (default: 4)
#   DOJOT_KAFKA_START_TIMEOUT    seconds to wait for readiness (default: 90)
#   DOJOT_KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default: 30)
#   DOJOT_KAFKA_HEAP_OPTS        JVM heap flags (default: "-Xms256m -Xmx512m"; the machines have 2 cores)
#   DOJOT_KAFKA_SECURITY         mtls (default) or plaintext, see above
#   DOJOT_KAFKA_KEEP_DATA        1 = keep topics/offsets from the previous run; default: every
#                                `start` formats a fresh, empty data dir (deterministic tests)
#   JAVA_HOME                    JDK to use (default: java on PATH)
#
# Layout under $DOJOT_KAFKA_HOME:
#   lib-<version>/      the resolved jars (with a .complete marker), reused by later starts
#   maven-<version>/    the generated pom.xml and Maven's log
#   run-<port>/         server.properties, log4j.properties, data-<version>/, kafka.log, kafka.pid,
#                       tls/ (CAs, keystores, the platform's certificate; made once, kept), test.env, platform.env
set -euo pipefail

# Why 3.9.2: the last release line that still has every old protocol version. Kafka 4.0 removed
# the request versions older than Kafka 2.1 (KIP-896) and kafkajs 2.2.4 (unmaintained, its CI
# stopped at Kafka 2.4) has never been tested against 4.x; 3.9 is KRaft-capable (no ZooKeeper),
# runs on the Java 17 installed here, and is served by Maven Central in this workplace.
KAFKA_VERSION="${DOJOT_KAFKA_VERSION:-3.9.2}"
SCALA_BINARY=2.13
# Logging backend: Kafka's published POMs carry no SLF4J binding (the release tarball adds one),
# so without these the broker logs nothing. reload4j + slf4j-reload4j is what the 3.9 tarball ships.
RELOAD4J_VERSION=1.2.25
SLF4J_VERSION=1.7.36
DEPENDENCY_PLUGIN_VERSION=3.8.1

KHOME="${DOJOT_KAFKA_HOME:-$HOME/.cache/dojot-red/kafka}"
HOST=127.0.0.1
PORT="${DOJOT_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${DOJOT_KAFKA_CONTROLLER_PORT:-9093}"
PARTITIONS="${DOJOT_KAFKA_PARTITIONS:-4}"
START_TIMEOUT="${DOJOT_KAFKA_START_TIMEOUT:-90}"
SECURITY="${DOJOT_KAFKA_SECURITY:-mtls}"
[[ "$SECURITY" == mtls || "$SECURITY" == plaintext ]] || { echo "kafka-local: error: DOJOT_KAFKA_SECURITY must be mtls or plaintext, got \"$SECURITY\"" >&2; exit 1; }
STOP_TIMEOUT="${DOJOT_KAFKA_STOP_TIMEOUT:-30}"
read -r -a HEAP_OPTS <<<"${DOJOT_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
# Kafka's own defaults (bin/kafka-run-class.sh) plus fail-fast on OOM.
JVM_OPTS=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

LIB_DIR="$KHOME/lib-$KAFKA_VERSION"
MVN_DIR="$KHOME/maven-$KAFKA_VERSION"
RUN_DIR="$KHOME/run-$PORT"
DATA_DIR="$RUN_DIR/data-$KAFKA_VERSION"
CONF_FILE="$RUN_DIR/server.properties"
LOG4J_FILE="$RUN_DIR/log4j.properties"
LOG_FILE="$RUN_DIR/kafka.log"
PID_FILE="$RUN_DIR/kafka.pid"
TLS_DIR="$RUN_DIR/tls"
TEST_ENV_FILE="$RUN_DIR/test.env"
PLATFORM_ENV_FILE="$RUN_DIR/platform.env"
# Principals (the CN of their certificates). The broker's own is a super user because it talks to
# its controller (and, in a cluster, to other brokers) with its certificate; the platform's is a
# super user because it creates topics and every tenant's ACLs. Tenant runtimes get CN=tenant-<t>.
BROKER_PRINCIPAL=kafka-broker
PLATFORM_PRINCIPAL=dojot-red-platform
MAIN_CLASS=kafka.Kafka
# The line KafkaRaftServer logs once broker and controller have started up.
READY_LINE='Kafka Server started'

say() { echo "kafka-local: $*"; }
die() { echo "kafka-local: error: $*" >&2; exit 1; }

now_ms() { date +%s%3N; }
secs_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%d' $(( d / 1000 )) $(( d % 1000 / 100 )); }

# True when something accepts TCP connections on $HOST:$1.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# Prints the pid from the pid file if that process is alive and is a Kafka broker.
running_pid() {
  local pid cmd
  pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then # guard against a recycled pid
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
    [[ "$cmd" == *" $MAIN_CLASS "* ]] || return 1
  fi
  echo "$pid"
}

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (install a JDK >= 11 or set JAVA_HOME)"
}

write_pom() {
  mkdir -p "$MVN_DIR"
  cat >"$MVN_DIR/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/kafka-local.sh: resolves the jars of an Apache Kafka broker. Nothing is built. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.dojot-red</groupId>
  <artifactId>kafka-local-broker</artifactId>
  <version>1.0.0</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- kafka.Kafka and kafka.tools.StorageTool; brings kafka-clients, kafka-server, kafka-metadata,
         kafka-raft, kafka-storage, the coordinators, scala-library, ... transitively. -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$SCALA_BINARY</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>ch.qos.reload4j</groupId>
      <artifactId>reload4j</artifactId>
      <version>$RELOAD4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>$SLF4J_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>$DEPENDENCY_PLUGIN_VERSION</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
}

fetch_jars() {
  if [[ -f "$LIB_DIR/.complete" ]]; then
    say "Kafka $KAFKA_VERSION jars cached in $LIB_DIR"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found; Maven is needed once to fetch the Kafka jars"
  write_pom
  local t0 tmp="$LIB_DIR.tmp.$$" mvn_log="$MVN_DIR/mvn.log"
  t0="$(now_ms)"
  rm -rf "$tmp"
  say "downloading Kafka $KAFKA_VERSION jars from Maven Central into $LIB_DIR (first run only) ..."
  if ! mvn -B -q -f "$MVN_DIR/pom.xml" \
      "org.apache.maven.plugins:maven-dependency-plugin:$DEPENDENCY_PLUGIN_VERSION:copy-dependencies" \
      -DoutputDirectory="$tmp" -DincludeScope=runtime -Dmdep.prependGroupId=true \
      >"$mvn_log" 2>&1; then
    tail -n 40 "$mvn_log" >&2 || true
    rm -rf "$tmp"
    die "Maven could not resolve the Kafka jars (full log: $mvn_log)"
  fi
  compgen -G "$tmp/*kafka_$SCALA_BINARY-$KAFKA_VERSION.jar" >/dev/null ||
    { rm -rf "$tmp"; die "Maven ran but no kafka_$SCALA_BINARY-$KAFKA_VERSION jar was copied"; }
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  touch "$LIB_DIR/.complete"
  say "downloaded $(find "$LIB_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIB_DIR" | cut -f1)) in $(secs_since "$t0") s"
}

# The listeners: open PLAINTEXT, or mutual TLS with the authorizer on.
listener_config() {
  if [[ "$SECURITY" == plaintext ]]; then
    cat <<EOF
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
EOF
    return 0
  fi
  local pass
  pass="$(cat "$TLS_DIR/store.password")"
  cat <<EOF
# Every listener, the controller's too, is TLS with a required client certificate: a PLAINTEXT
# controller listener would need User:ANONYMOUS as a super user (the broker's own requests to its
# controller are authorised), and so give every local process super-user rights.
listeners=SSL://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=SSL://$HOST:$PORT
inter.broker.listener.name=SSL
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SSL,SSL:SSL
ssl.client.auth=required
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.keystore.p12
ssl.keystore.password=$pass
ssl.key.password=$pass
ssl.truststore.type=PKCS12
ssl.truststore.location=$TLS_DIR/broker.truststore.p12
ssl.truststore.password=$pass
# The principal is the certificate's CN: User:dojot-red-platform, User:tenant-<tenant>.
ssl.principal.mapping.rules=RULE:^CN=([^,]+)(,.*)?\$/\$1/,DEFAULT
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$BROKER_PRINCIPAL;User:$PLATFORM_PRINCIPAL
EOF
}

write_configs() {
  mkdir -p "$RUN_DIR"
  cat >"$CONF_FILE" <<EOF
# Written by scripts/kafka-local.sh: single-node KRaft (combined broker + controller), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
log.dirs=$DATA_DIR
$(listener_config)

# One broker: every internal topic needs replication factor 1 / min ISR 1, or consumer
# groups never find a coordinator ("The group coordinator is not available").
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
default.replication.factor=1
min.insync.replicas=1

# Test-friendly behaviour.
auto.create.topics.enable=true
delete.topic.enable=true
num.partitions=$PARTITIONS
group.initial.rebalance.delay.ms=0

# Small footprint on a 2-core machine.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=33554432
EOF
  cat >"$LOG4J_FILE" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF
}

# Makes the CAs, the broker's keystore and truststore and the platform's client certificate, once
# per run dir (kept across restarts, so clients holding the files keep working). openssl + keytool.
make_tls() {
  if [[ -f "$TLS_DIR/.complete" ]]; then
    say "TLS material kept in $TLS_DIR"
    return 0
  fi
  command -v openssl >/dev/null 2>&1 || die "openssl not found (needed for DOJOT_KAFKA_SECURITY=mtls)"
  local keytool="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
  command -v "$keytool" >/dev/null 2>&1 || die "keytool not found (it comes with the JDK)"
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  local d="$TLS_DIR" pass ca
  pass="$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
  for ca in broker-ca client-ca; do
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout "$d/$ca.key" -out "$d/$ca.crt" \
      -subj "/O=dojot-red local Kafka/CN=dojot-red local Kafka $ca" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
      die "openssl could not make $ca"
  done
  # The broker's certificate serves both ends: its listeners, and its own client connections.
  make_leaf broker broker-ca "$BROKER_PRINCIPAL" \
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n'
  make_leaf platform client-ca "$PLATFORM_PRINCIPAL" \
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n'
  openssl pkcs12 -export -in "$d/broker.crt" -certfile "$d/broker-ca.crt" -inkey "$d/broker.key" -name broker \
    -out "$d/broker.keystore.p12" -passout "pass:$pass" || die "openssl: broker keystore"
  # Client certificates are accepted from both CAs: the client CA (platform, tenants) and the
  # broker CA (the broker itself, towards its controller).
  for ca in client-ca broker-ca; do
    "$keytool" -importcert -noprompt -alias "$ca" -file "$d/$ca.crt" -keystore "$d/broker.truststore.p12" \
      -storetype PKCS12 -storepass "$pass" >/dev/null 2>&1 || die "keytool: importing $ca into the truststore"
  done
  printf '%s\n' "$pass" >"$d/store.password"
  chmod 600 "$d"/*.key "$d/store.password"
  touch "$d/.complete"
  say "made TLS material in $TLS_DIR (broker CA, client CA, broker keystore, platform certificate CN=$PLATFORM_PRINCIPAL)"
}

# make_leaf NAME CA CN EXTENSIONS: a key and a certificate signed by CA (files in $TLS_DIR).
make_leaf() {
  local d="$TLS_DIR" name=$1 ca=$2 cn=$3 ext=$4
  openssl req -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" -subj "/CN=$cn" 2>/dev/null || die "openssl: $name key"
  printf '%b' "$ext" >"$d/$name.ext"
  openssl x509 -req -sha256 -days 825 -in "$d/$name.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" -CAcreateserial \
    -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null || die "openssl: signing $name"
  rm -f "$d/$name.csr" "$d/$name.ext"
}

# What clients need, as env files: DOJOT_TEST_KAFKA_* for the tests, DOJOT_KAFKA_* for a platform.
write_env_files() {
  local t="$TLS_DIR"
  if [[ "$SECURITY" == plaintext ]]; then
    printf 'DOJOT_TEST_KAFKA_BROKERS=%s\n' "$HOST:$PORT" >"$TEST_ENV_FILE"
    printf 'DOJOT_KAFKA_BROKERS=%s\n' "$HOST:$PORT" >"$PLATFORM_ENV_FILE"
    return 0
  fi
  cat >"$TEST_ENV_FILE" <<EOF
DOJOT_TEST_KAFKA_BROKERS=$HOST:$PORT
DOJOT_TEST_KAFKA_SSL_CA_FILE=$t/broker-ca.crt
DOJOT_TEST_KAFKA_SSL_CERT_FILE=$t/platform.crt
DOJOT_TEST_KAFKA_SSL_KEY_FILE=$t/platform.key
DOJOT_TEST_KAFKA_TENANT_CA_CERT_FILE=$t/client-ca.crt
DOJOT_TEST_KAFKA_TENANT_CA_KEY_FILE=$t/client-ca.key
EOF
  sed 's/^DOJOT_TEST_KAFKA_/DOJOT_KAFKA_/' "$TEST_ENV_FILE" >"$PLATFORM_ENV_FILE"
}

# A Kafka Uuid string: 16 random bytes, URL-safe base64 without padding (22 chars), not
# starting with '-' (argparse would take it for an option).
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]] && { echo "$id"; return; }
  done
}

format_storage() {
  if [[ "${DOJOT_KAFKA_KEEP_DATA:-0}" == 1 && -f "$DATA_DIR/meta.properties" ]]; then
    say "keeping the existing data in $DATA_DIR"
    return 0
  fi
  rm -rf "$DATA_DIR"
  local t0 cluster_id
  t0="$(now_ms)"
  cluster_id="$(new_cluster_id)"
  say "formatting KRaft storage in $DATA_DIR (cluster id $cluster_id) ..."
  # Static quorum (controller.quorum.voters), so no --standalone / --initial-controllers.
  if ! "$JAVA" -Xmx256m "-Dlog4j.configuration=file:$LOG4J_FILE" -cp "$LIB_DIR/*" \
      kafka.tools.StorageTool format --cluster-id "$cluster_id" --config "$CONF_FILE" \
      --ignore-formatted >>"$LOG_FILE" 2>&1; then
    tail -n 40 "$LOG_FILE" >&2 || true
    die "formatting the storage failed (log: $LOG_FILE)"
  fi
  [[ -f "$DATA_DIR/meta.properties" ]] || die "format ran but $DATA_DIR/meta.properties is missing"
  say "formatted in $(secs_since "$t0") s"
}

start() {
  local pid t0
  if pid="$(running_pid)"; then
    say "already running (pid $pid) on $HOST:$PORT, nothing to do"
    return 0
  fi
  rm -f "$PID_FILE"
  t0="$(now_ms)"
  port_open "$PORT" && die "$HOST:$PORT is already in use by another process (not started by this script with DOJOT_KAFKA_HOME=$KHOME)"
  port_open "$CONTROLLER_PORT" && die "$HOST:$CONTROLLER_PORT is already in use by another process"
  check_java
  fetch_jars
  mkdir -p "$RUN_DIR"
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  if [[ "$SECURITY" == mtls ]]; then make_tls; fi
  write_configs
  chmod 600 "$CONF_FILE" # it holds the keystore password
  write_env_files
  format_storage

  say "starting Kafka $KAFKA_VERSION on $HOST:$PORT (controller $HOST:$CONTROLLER_PORT, num.partitions=$PARTITIONS, log: $LOG_FILE) ..."
  # 9>&- : do not hand the lock's file descriptor to the long-lived broker.
  nohup "$JAVA" "${HEAP_OPTS[@]}" "${JVM_OPTS[@]}" "-Dlog4j.configuration=file:$LOG4J_FILE" \
    "-Dkafka.logs.dir=$RUN_DIR" -cp "$LIB_DIR/*" "$MAIN_CLASS" "$CONF_FILE" \
    >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"

  local t1 deadline
  t1="$(now_ms)"
  deadline=$(( t1 + START_TIMEOUT * 1000 ))
  while (( $(now_ms) < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "---- last lines of $LOG_FILE ----" >&2
      tail -n 60 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "the broker exited during start-up"
    fi
    # Kafka opens the client port only after the broker has caught up with the metadata log
    # and been unfenced; the log line confirms that this broker (not something else) is up.
    if grep -q "$READY_LINE" "$LOG_FILE" 2>/dev/null && port_open "$PORT"; then
      say "ready on $HOST:$PORT ($SECURITY) in $(secs_since "$t1") s (pid $pid; $(secs_since "$t0") s in total)"
      say "client settings: $TEST_ENV_FILE (tests), $PLATFORM_ENV_FILE (a platform)"
      return 0
    fi
    sleep 0.5
  done
  echo "---- last lines of $LOG_FILE ----" >&2
  tail -n 60 "$LOG_FILE" >&2 || true
  sleep 1 # let the forked child exec java, so that stop recognises it
  stop >&2 || true
  die "the broker was not ready within ${START_TIMEOUT} s"
}

stop() {
  local pid t0
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  t0="$(now_ms)"
  say "stopping pid $pid ..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( t0 + STOP_TIMEOUT * 1000 ))
  while kill -0 "$pid" 2>/dev/null && (( $(now_ms) < deadline )); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "still alive after ${STOP_TIMEOUT} s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  say "stopped in $(secs_since "$t0") s"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "$PORT"; then
      echo "running (pid $pid), Kafka $KAFKA_VERSION on $HOST:$PORT"
      return 0
    fi
    echo "stopped: pid $pid is alive but $HOST:$PORT does not accept connections (starting or unhealthy)"
    return 1
  fi
  echo "stopped"
  return 1
}

# Serialise start/stop of concurrent callers (e.g. parallel test runners) on the same port.
with_lock() {
  mkdir -p "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$RUN_DIR/.lock"
    flock -w $(( START_TIMEOUT + STOP_TIMEOUT + 900 )) 9 || die "could not take $RUN_DIR/.lock"
  fi
  "$@"
}

case "${1:-}" in
  start) with_lock start ;;
  stop) with_lock stop ;;
  status) status ;;
  logs) tail -n "${2:-100}" "$LOG_FILE" ;;
  env)
    [[ -f "$TEST_ENV_FILE" ]] || die "no client settings in $TEST_ENV_FILE: start the broker with this script (one started by an older version: stop, then start)"
    cat "$TEST_ENV_FILE"
    ;;
  *) echo "usage: $0 start|stop|status|logs [lines]|env" >&2; exit 2 ;;
esac
