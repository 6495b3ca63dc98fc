#!/usr/bin/env bash
# Query API load benchmark: loads 10,000 host views into one tracker instance (test broker, in-process), then
#  1. runs wrk against GET /api/v1/hosts/{host}/groups over random hosts (closed loop: Debian's wrk has no -R, so the
#     figure is the throughput the given connection count reaches, with its latency), and
#  2. runs OpenLoopLoad (a small Java generator, own JVM) at a fixed rate with latency measured from each request's
#     due time (no coordinated omission): requests/s and p50/p90/p99/p99.9.
# Needs wrk (Debian: apt-get install -y wrk).
#   streams/bench/api-bench.sh [connections] [seconds] [api-threads] [hosts] [rate] [open-loop-connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
CONN="${1:-8}"; SECS="${2:-20}"; THREADS="${3:-2}"; HOSTS="${4:-10000}"; RATE="${5:-10000}"; OPEN="${6:-16}"
mvn -o -q -B -pl streams -am verify -Dtest=ApiBench -Dsurefire.failIfNoSpecifiedTests=false -Dbench.run=true \
    -Dbench.connections="$CONN" -Dbench.seconds="$SECS" -Dbench.apiThreads="$THREADS" -Dbench.hosts="$HOSTS" \
    -Dbench.rate="$RATE" -Dbench.openConnections="$OPEN" \
    -Dsurefire.timeout=900 -Dmaven.test.redirectTestOutputToFile=true >/dev/null || { echo "benchmark run failed; see streams/target/surefire-reports" >&2; exit 1; }
sed -n '/^API-BENCH /,/^API-BENCH-END/p' streams/target/surefire-reports/io.iommutracker.streams.api.ApiBench-output.txt
