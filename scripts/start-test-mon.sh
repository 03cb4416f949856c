#!/usr/bin/env bash
# Starts a throw-away Ceph cluster on 127.0.0.1 for interop tests: one monitor (auth none,
# msgr2 only) and, with --osd, one ceph-osd on the memstore backend; everything under DIR.
# Prints "pid=<MON PID> fsid=<FSID>" once the monitor is up, "keyring=<PATH>" after it with
# --cephx, and "osd=<ID> osd_pid=<PID>" once the OSD is up. Stop them with: kill <PIDs>; rm -rf DIR.
# usage: start-test-mon.sh DIR V2PORT [--osd] [--ipv6] [--cephx] [--extra-conf FILE]
#   --ipv6             the cluster lives on [::1] (ms_bind_ipv6 = true, ms_bind_ipv4 = false)
#   --cephx            cephx required everywhere (auth_*_required = cephx); DIR/keyring holds mon. and
#                      client.admin (caps mon/osd/mgr 'allow *'), and the OSD's key with --osd;
#                      `ceph -c DIR/ceph.conf -k DIR/keyring -s` works against it
#   --extra-conf FILE  append FILE to ceph.conf (its own [mon], [osd] … sections override [global])
set -euo pipefail
dir=$1; port=$2; shift 2
with_osd=; ip=127.0.0.1; ipv6=false; extra=; auth=none
while [ $# -gt 0 ]; do
  case $1 in
    --osd) with_osd=--osd ;;
    --ipv6) ip=::1; ipv6=true ;;
    --cephx) auth=cephx ;;
    --extra-conf) extra=$2; shift ;;
    *) echo "start-test-mon.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$ipv6" = true ]; then mon_addr="[v2:[$ip]:$port]"; ipv4=false; else mon_addr="v2:$ip:$port"; ipv4=true; fi
rm -rf "$dir"; mkdir -p "$dir/mon" "$dir/run" "$dir/log"
fsid=$(cat /proc/sys/kernel/random/uuid)
cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon_host = $mon_addr
auth_cluster_required = $auth
auth_service_required = $auth
auth_client_required = $auth
ms_bind_msgr1 = false
ms_bind_ipv4 = $ipv4
ms_bind_ipv6 = $ipv6
mon_data = $dir/mon/\$cluster-\$id
run_dir = $dir/run
log_file = $dir/log/\$name.log
admin_socket = $dir/run/\$name.asok
pid_file = $dir/run/\$name.pid
keyring = $dir/keyring
osd_objectstore = memstore
memstore_device_bytes = 4294967296
osd_data = $dir/osd/\$cluster-\$id
public_addr = $ip
cluster_addr = $ip
osd_pool_default_size = 1
mon_allow_pool_size_one = true
# A stopped OSD is marked down after 20 s without beacons; OSDs beacon every 5 s.
mon_osd_report_timeout = 20
osd_beacon_report_interval = 5
[mon.a]
public_addr = $ip
CONF
if [ -n "$extra" ]; then cat "$extra" >> "$dir/ceph.conf"; fi
ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
if [ "$auth" = cephx ]; then
  ceph-authtool "$dir/keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
fi
if [ "$ipv6" = true ]; then mon_v2="[v2:[$ip]:$port]"; else mon_v2="[v2:$ip:$port]"; fi
monmaptool --create --fsid "$fsid" --addv a "$mon_v2" "$dir/monmap" >/dev/null
ceph-mon -c "$dir/ceph.conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" >/dev/null 2>&1
ceph-mon -c "$dir/ceph.conf" -i a
for _ in $(seq 1 100); do
  [ -s "$dir/run/mon.a.pid" ] && break
  sleep 0.1
done
echo "pid=$(cat "$dir/run/mon.a.pid") fsid=$fsid"
if [ "$auth" = cephx ]; then echo "keyring=$dir/keyring"; fi

if [ "$with_osd" = "--osd" ]; then
  conf=(-c "$dir/ceph.conf")
  uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph "${conf[@]}" --connect-timeout 30 osd new "$uuid")
  mkdir -p "$dir/osd/ceph-$id"
  if [ "$auth" = cephx ]; then
    # The OSD reads the shared keyring (ceph.conf's keyring); give it a key the monitor knows.
    ceph "${conf[@]}" auth get-or-create "osd.$id" mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *' >>"$dir/keyring"
  fi
  ceph-osd "${conf[@]}" -i "$id" --mkfs --osd-uuid "$uuid" >"$dir/log/osd-mkfs.log" 2>&1
  ceph-osd "${conf[@]}" -i "$id"
  for _ in $(seq 1 300); do
    ceph "${conf[@]}" osd dump 2>/dev/null | grep -q "^osd.$id up" && break
    sleep 0.2
  done
  ceph "${conf[@]}" osd dump 2>/dev/null | grep -q "^osd.$id up" || { echo "osd.$id did not come up" >&2; exit 1; }
  echo "osd=$id osd_pid=$(cat "$dir/run/osd.$id.pid")"
fi
