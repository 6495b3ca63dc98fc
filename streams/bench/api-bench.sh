#!/usr/bin/env bash
# Query API load benchmark: loads 10,000 host views into one tracker instance (test broker, in-process), then runs
# wrk against GET /api/v1/hosts/{host}/groups over random hosts and prints requests/s and p50/p90/p99/p99.9.
# Needs wrk (Debian: apt-get install -y wrk; Debian's wrk is open-loop-less: no -R, so the figure is the throughput
# at the given connection count, with its latency).
#   streams/bench/api-bench.sh [connections] [seconds] [api-threads] [hosts]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
CONN="${1:-16}"; SECS="${2:-20}"; THREADS="${3:-4}"; HOSTS="${4:-10000}"
mvn -q -B -pl streams -am verify -Dtest=ApiBench -Dsurefire.failIfNoSpecifiedTests=false \
    -Dbench.connections="$CONN" -Dbench.seconds="$SECS" -Dbench.apiThreads="$THREADS" -Dbench.hosts="$HOSTS" \
    -Dsurefire.timeout=900 -Dmaven.test.redirectTestOutputToFile=true >/dev/null || { echo "benchmark run failed; see streams/target/surefire-reports" >&2; exit 1; }
sed -n '/^API-BENCH/,/^max /p' streams/target/surefire-reports/io.iommutracker.streams.api.ApiBench-output.txt
