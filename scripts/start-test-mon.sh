#!/usr/bin/env bash
# Starts a throw-away one-monitor Ceph cluster on 127.0.0.1 for interop tests:
# auth none, msgr2 only, everything under DIR. Prints "pid=<PID> fsid=<FSID>" when the
# monitor is up. Stop it with: kill <PID>; rm -rf DIR.
# usage: start-test-mon.sh DIR V2PORT
set -euo pipefail
dir=$1; port=$2
rm -rf "$dir"; mkdir -p "$dir/mon" "$dir/run" "$dir/log"
fsid=$(cat /proc/sys/kernel/random/uuid)
cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:$port
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_bind_msgr1 = false
ms_bind_ipv6 = false
mon_data = $dir/mon/\$cluster-\$id
run_dir = $dir/run
log_file = $dir/log/\$name.log
admin_socket = $dir/run/\$name.asok
pid_file = $dir/run/\$name.pid
keyring = $dir/keyring
[mon.a]
public_addr = 127.0.0.1
CONF
ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$port]" "$dir/monmap" >/dev/null
ceph-mon -c "$dir/ceph.conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" >/dev/null 2>&1
ceph-mon -c "$dir/ceph.conf" -i a
for _ in $(seq 1 100); do
  [ -s "$dir/run/mon.a.pid" ] && break
  sleep 0.1
done
echo "pid=$(cat "$dir/run/mon.a.pid") fsid=$fsid"
