#!/usr/bin/env bash
# Stop the daemons started by scripts/rgw/start.sh (only the pids in its pid files).
# RGW_WIPE=1 also deletes the data dir.
set -uo pipefail
# One server per machine, shared by every checkout (a CI clone reuses a developer's running
# server instead of fighting it for port 7480). Keep the path short: Ceph's admin socket
# paths must fit in 107 characters.
DIR=${RGW_DIR:-/tmp/bulwark-rgw}

running() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]; }
pids=()
for n in client.rgw.a osd.0 mon.a; do
  f="$DIR/run/$n.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  # only signal it if it really is one of our ceph daemons (pid files can go stale)
  if running "$pid" && grep -qa "$DIR/ceph.conf" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  fi
  rm -f "$f"
done
# mon/osd exit in <0.2 s on SIGTERM; radosgw needs ~5 s to exit gracefully. The data is
# throw-away, so anything still running after 1.5 s gets SIGKILL.
for _ in $(seq 1 15); do
  alive=0
  for p in "${pids[@]}"; do running "$p" && alive=1; done
  [ $alive = 0 ] && break
  sleep 0.1
done
for p in "${pids[@]}"; do running "$p" && kill -KILL "$p" 2>/dev/null; done
rm -f "$DIR/ready"
[ "${RGW_WIPE:-0}" = 1 ] && rm -rf "$DIR"
echo "[rgw] stopped" >&2
