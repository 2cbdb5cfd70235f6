#!/usr/bin/env bash
# Makes sure the services the test suite talks to are up on 127.0.0.1:
# PostgreSQL (5432, trust auth), Redis (6379) and a Ceph RADOS Gateway (S3 with Object Lock, 7480).
# Installs them from Debian's packages when absent (a fresh machine), starts them when stopped.
# Without BULWARK_REQUIRE_SERVICES=1 a service that cannot be started is only reported (its
# tests then skip with a notice); CI sets it, so there a missing service fails the run.
set -uo pipefail
cd "$(dirname "$0")/../.."

if [ "${BULWARK_REQUIRE_SERVICES:-0}" != 1 ]; then
  trap 'echo "[services] could not start every service; tests that need one will skip" >&2; exit 0' ERR
fi
set -e

log() { echo "[services] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  log "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---------- PostgreSQL ----------
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql postgresql-client
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ -n "$version" ]; then
    # Trust auth on loopback, as the development machines have it.
    hba=/etc/postgresql/$version/main/pg_hba.conf
    if ! grep -q "bulwark-ci" "$hba" 2>/dev/null; then
      as_root sed -i '1i host all all 127.0.0.1/32 trust # bulwark-ci\nhost all all ::1/128 trust # bulwark-ci\nlocal all all trust # bulwark-ci' "$hba"
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.2; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { log "PostgreSQL did not start"; exit 1; }
fi
log "PostgreSQL ready"

# ---------- Redis ----------
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /tmp/bulwark-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/bulwark-redis \
    --logfile /tmp/bulwark-redis/redis.log
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { log "Redis did not start"; exit 1; }
fi
log "Redis ready"

# ---------- Ceph RGW (S3 with Object Lock) ----------
if [ -x scripts/rgw/start.sh ]; then
  RGW_INSTALL=1 scripts/rgw/start.sh >/dev/null
  log "Ceph RGW ready"
fi
