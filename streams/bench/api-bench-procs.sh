#!/usr/bin/env bash
# Query API load benchmark as deployed: three processes on this machine.
#   1. a broker in its own JVM (ApiBenchBroker, the embedded KRaft broker), kept between runs;
#   2. the tracker: `./iommu-tracker run --bootstrap-servers ...` (real topology, exactly_once_v2, query API), started
#      fresh for each run with API_JAVA_OPTS as its JVM options; its state (10,000 hosts) is kept between runs;
#   3. OpenLoopLoad: GET /api/v1/hosts/{host}/groups over random hosts at a fixed rate, latency from each request's
#      due time, after 10 s of the same load that are not counted (JIT of both JVMs, connections); then the tracker's
#      GC pauses, long safepoints and CPU per thread during the measured seconds (JFR, recording from the tracker's
#      start with streams/bench/api-bench.jfc, dumped for the run's time window; summarised by ApiBenchJfr).
# The first run loads the fleet (boot events of every host through the real topology: a few minutes).
#   API_JAVA_OPTS="-Xmx2g -XX:+UseShenandoahGC" streams/bench/api-bench-procs.sh [rate] [seconds] [connections] [hosts]
#   streams/bench/api-bench-procs.sh stop      # stops the broker
# Broker log, tracker state and JFR files go to streams/target/api-bench (API_BENCH_DIR to change it).
# API_BENCH_APP=DIR runs the tracker from a copy of app/target (the jar and lib/) instead of the launcher, e.g. the
# build before a change, for before/after runs back to back.
# Needs `./mvnw -q -B -DskipTests package` once (the launcher jar, and the bench classes in streams/target/test-classes).
set -euo pipefail
cd "$(dirname "$0")/../.."
RATE="${1:-10000}"; SECS="${2:-30}"; CONNS="${3:-16}"; HOSTS="${4:-10000}"
WORK="${API_BENCH_DIR:-$(pwd)/streams/target/api-bench}"; KPORT="${API_BENCH_KAFKA_PORT:-19092}"; HPORT="${API_BENCH_HTTP_PORT:-18080}"
OPTS="${API_JAVA_OPTS:--Xmx2g}"
JFR_OPT="-XX:StartFlightRecording=name=apibench,settings=$(pwd)/streams/bench/api-bench.jfc,maxage=10m"
AVRO="-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.iommutracker"
CP="streams/target/test-classes:app/target/iommu-tracker-app-0.1.0-SNAPSHOT.jar:app/target/lib/*"
mkdir -p "$WORK"
if [ "${1:-}" = stop ]; then
  [ -f "$WORK/broker.pid" ] && kill "$(cat "$WORK/broker.pid")" && rm -f "$WORK/broker.pid"
  exit 0
fi
[ -f app/target/iommu-tracker-app-0.1.0-SNAPSHOT.jar ] && [ -d streams/target/test-classes ] \
  || { echo "build first: ./mvnw -q -B -DskipTests package" >&2; exit 1; }

if ! { [ -f "$WORK/broker.pid" ] && kill -0 "$(cat "$WORK/broker.pid")" 2>/dev/null; }; then
  java -Xmx1g -cp "$CP" io.iommutracker.streams.api.ApiBenchBroker "$WORK/kafka" "$KPORT" >"$WORK/broker.log" 2>&1 &
  echo $! >"$WORK/broker.pid"
  for _ in $(seq 120); do grep -q '^BROKER ' "$WORK/broker.log" && break; sleep 0.5; done
  grep -q '^BROKER ' "$WORK/broker.log" || { echo "broker did not start; see $WORK/broker.log" >&2; exit 1; }
fi

RUN_ARGS=(run --bootstrap-servers "127.0.0.1:$KPORT" --http-port "$HPORT" --data-dir "$WORK/tracker")
if [ -n "${API_BENCH_APP:-}" ]; then
  # what the launcher runs, from another build
  # shellcheck disable=SC2086
  IOMMU_TRACKER_LOG_LEVEL=WARN java $OPTS $JFR_OPT $AVRO -cp "$API_BENCH_APP/iommu-tracker-app-0.1.0-SNAPSHOT.jar:$API_BENCH_APP/lib/*" \
    io.iommutracker.app.Main "${RUN_ARGS[@]}" >"$WORK/tracker.log" 2>&1 &
else
  JAVA_OPTS="$OPTS $JFR_OPT" IOMMU_TRACKER_SKIP_BUILD=1 IOMMU_TRACKER_LOG_LEVEL=WARN ./iommu-tracker "${RUN_ARGS[@]}" >"$WORK/tracker.log" 2>&1 &
fi
TPID=$!
trap 'kill $TPID 2>/dev/null; wait $TPID 2>/dev/null || true' EXIT
for _ in $(seq 240); do grep -q '^RUNNING\|^not RUNNING' "$WORK/tracker.log" && break; sleep 0.5; done
JPID="$(pgrep -P $TPID java || echo $TPID)"

if [ ! -f "$WORK/loaded-$HOSTS" ]; then
  java -Xmx512m $AVRO -cp "$CP" io.iommutracker.streams.api.ApiBenchLoader "127.0.0.1:$KPORT" "$HPORT" "$HOSTS" send
  touch "$WORK/loaded-$HOSTS"
else
  java -Xmx512m $AVRO -cp "$CP" io.iommutracker.streams.api.ApiBenchLoader "127.0.0.1:$KPORT" "$HPORT" "$HOSTS" check
fi
# the tracker's own start-up work (restoring the other stores, first commits) is over before the load starts
for _ in $(seq 120); do [ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$HPORT/health/ready")" = 200 ] && break; sleep 0.5; done
sleep 5
echo "API-BENCH-PROCS rate=$RATE seconds=$SECS connections=$CONNS hosts=$HOSTS tracker JVM: $OPTS ${API_BENCH_APP:+(build $API_BENCH_APP)}; $(uptime | sed 's/.*load/load/')"
java -Xmx256m -cp "$CP" io.iommutracker.streams.api.OpenLoopLoad "$HPORT" "$HOSTS" "$RATE" "$SECS" "$CONNS" 10 | tee "$WORK/load.txt"
# the measured window: the last SECS seconds before the generator printed
end_ms="$(date +%s%3N)"
rm -f "$WORK/run.jfr"
jcmd "$JPID" JFR.dump name=apibench filename="$WORK/run.jfr" >/dev/null
java -cp "$CP" io.iommutracker.streams.api.ApiBenchJfr "$WORK/run.jfr" "$((end_ms - SECS * 1000))" "$end_ms"
echo "after: $(uptime | sed 's/.*load/load/')"
