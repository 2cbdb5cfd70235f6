#!/usr/bin/env bash
# Bulwark's development and CI S3 server: a throw-away single-node Ceph cluster
# (1 mon, 1 OSD, no mgr) plus the Ceph RADOS Gateway (S3 API with Object Lock, like AWS)
# on 127.0.0.1, all daemons run directly (no systemd, no Docker).
#
# Idempotent: if all three daemons are alive and the gateway can reach RADOS, it
# just prints the connection info (~0.05 s). Otherwise it stops whatever is left,
# wipes the data dir and bootstraps a fresh, empty cluster (~1.5 s with memstore).
# stdout: KEY=VALUE lines (also written to $RGW_DIR/env, which the S3 tests and the
# storage benchmark read); progress goes to stderr.
#
# Needs (Debian 12):  apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd
# Env overrides: RGW_DIR RGW_PORT RGW_MON_PORT RGW_ACCESS_KEY RGW_SECRET_KEY
#                RGW_OBJECTSTORE (memstore|bluestore) RGW_INSTALL=1 (apt-get install if missing)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# One server per machine, shared by every checkout (a CI clone reuses a developer's running
# server instead of fighting it for port 7480). Keep the path short: Ceph's admin socket
# paths must fit in 107 characters.
DIR=${RGW_DIR:-/tmp/bulwark-rgw}
PORT=${RGW_PORT:-7480}
MON_PORT=${RGW_MON_PORT:-3300}
ACCESS_KEY=${RGW_ACCESS_KEY:-rgwtestaccesskey}
SECRET_KEY=${RGW_SECRET_KEY:-rgwtestsecretkey0123456789}
OBJECTSTORE=${RGW_OBJECTSTORE:-memstore}
ENDPOINT="http://127.0.0.1:${PORT}"

log() { echo "[rgw] $*" >&2; }

# Both spellings: S3_* for generic S3 tools, BULWARK_TEST_S3_* for Bulwark's tests.
print_info() {
  cat <<EOF
S3_ENDPOINT=${ENDPOINT}
S3_REGION=us-east-1
S3_ACCESS_KEY_ID=${ACCESS_KEY}
S3_SECRET_ACCESS_KEY=${SECRET_KEY}
S3_FORCE_PATH_STYLE=true
BULWARK_TEST_S3_ENDPOINT=${ENDPOINT}
BULWARK_TEST_S3_REGION=us-east-1
BULWARK_TEST_S3_ACCESS_KEY=${ACCESS_KEY}
BULWARK_TEST_S3_SECRET_KEY=${SECRET_KEY}
RGW_DIR=${DIR}
EOF
}

if ! command -v radosgw >/dev/null || ! command -v ceph-mon >/dev/null || ! command -v ceph-osd >/dev/null; then
  if [ "${RGW_INSTALL:-0}" = 1 ]; then
    log "installing ceph packages"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null
  else
    log "radosgw/ceph-mon/ceph-osd missing: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd (or RGW_INSTALL=1)"
    exit 1
  fi
fi

CONF="$DIR/ceph.conf"
CEPH=(ceph -c "$CONF" --connect-timeout 10)

# pid file -> live (non-zombie) process?  (pid 1 here does not always reap promptly)
alive() {
  local pid st
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
# the gateway answers AND can reach RADOS (a bucket lookup needs the OSD): expect 404 NoSuchBucket
rgw_healthy() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time "${1:-3}" "$ENDPOINT/rgw-health-probe-nonexistent")" = 404 ]
}

# ---------- already running? ----------
if alive "$DIR/run/mon.a.pid" && alive "$DIR/run/osd.0.pid" && alive "$DIR/run/client.rgw.a.pid" \
   && [ -f "$DIR/ready" ] && rgw_healthy 3; then
  log "already running ($DIR)"
  print_info
  exit 0
fi

# ---------- clean slate ----------
RGW_DIR="$DIR" "$HERE/stop.sh" >/dev/null 2>&1 || true
rm -rf "$DIR"
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" "$MON_PORT"; do
  if port_busy "$p"; then log "port $p on 127.0.0.1 is already in use (another server, or daemons whose pid files were deleted)"; exit 1; fi
done
mkdir -p "$DIR"/{run,log,mon/a,osd/0,rgw}

FSID=$(cat /proc/sys/kernel/random/uuid)
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)

cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:${MON_PORT}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr1 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = $DIR/keyring
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = true
crash dir = $DIR/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 4
osd pool default pgp num = 4
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1

[mon]
mon data = $DIR/mon/\$id
# single mon: commit map changes quickly (faster pool creation / osd boot)
paxos propose interval = 0.05
paxos min wait = 0.01
mon osd reporter subtree level = osd

[osd]
osd data = $DIR/osd/\$id
osd objectstore = $OBJECTSTORE
memstore device bytes = 4294967296
bluestore block path = $DIR/osd/\$id/block.file
bluestore block create = true
bluestore block size = 10737418240
bluestore fsck on mount = false
osd memory target = 939524096
bluestore cache autotune = true
osd op num shards = 1
osd op num threads per shard = 2

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${PORT} tcp_nodelay=1
rgw data = $DIR/rgw
rgw thread pool size = 64
rgw enable usage log = false
rgw dns name = localhost
EOF

# ---------- keys (all entities in one keyring, imported into the mon at mkfs) ----------
K="$DIR/keyring"
ceph-authtool --create-keyring "$K" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$K" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$K" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
ceph-authtool "$K" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null

# ---------- mon ----------
log "bootstrapping mon"
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:${MON_PORT}]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$K" 2>>"$DIR/log/bootstrap.log"
ceph-mon -c "$CONF" -i a >>"$DIR/log/bootstrap.log" 2>&1

# ---------- osd ----------
log "bootstrapping osd ($OBJECTSTORE)"
OSD_ID=$("${CEPH[@]}" osd new "$OSD_UUID")
[ "$OSD_ID" = 0 ] || { log "unexpected osd id $OSD_ID"; exit 1; }
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >>"$DIR/log/bootstrap.log" 2>&1
ceph-osd -c "$CONF" -i 0 >>"$DIR/log/bootstrap.log" 2>&1

for i in $(seq 1 120); do
  if "${CEPH[@]}" osd dump 2>/dev/null | grep -q '^osd.0 up'; then break; fi
  sleep 0.5
done
"${CEPH[@]}" osd dump | grep -q '^osd.0 up' || { log "osd did not come up, see $DIR/log"; exit 1; }

# ---------- rgw ----------
log "starting radosgw on $ENDPOINT"
radosgw -c "$CONF" -n client.rgw.a >>"$DIR/log/bootstrap.log" 2>&1

for i in $(seq 1 240); do
  if rgw_healthy 2; then break; fi
  alive "$DIR/run/client.rgw.a.pid" || [ "$i" -lt 10 ] || { log "radosgw died, see $DIR/log/client.rgw.a.log"; exit 1; }
  sleep 0.5
done
rgw_healthy 5 || { log "radosgw not answering, see $DIR/log"; exit 1; }

radosgw-admin -c "$CONF" -n client.admin user create --uid=ci --display-name="CI user" \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null 2>>"$DIR/log/bootstrap.log"

print_info >"$DIR/env"
touch "$DIR/ready"
log "ready (env also in $DIR/env)"
print_info
