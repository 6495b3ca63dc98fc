#!/usr/bin/env bash
# Installs the real peers the connector tests talk to (Debian packages), only when missing:
#  - prometheus-alertmanager: the alert sink's integration test starts /usr/bin/prometheus-alertmanager on loopback
#  - docker-compose: `docker-compose config -q` checks the root docker-compose.yml
set -euo pipefail

need=()
[ -x /usr/bin/prometheus-alertmanager ] || need+=(prometheus-alertmanager)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)

if [ ${#need[@]} -eq 0 ]; then
  echo "install-peers: all peers present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-peers: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
# the Debian package starts a system-wide service where an init system runs; the tests start their own instance
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus-alertmanager 2>/dev/null; then
  $SUDO systemctl stop prometheus-alertmanager || true
fi
