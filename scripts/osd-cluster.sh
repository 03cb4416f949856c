#!/usr/bin/env bash
# A real one-monitor Ceph 16.2 cluster on 127.0.0.1 (auth none, msgr2) with one OSD: ours (the
# Kestrel-hosted sample) or, for comparison, the real ceph-osd (memstore). The OSD id is registered
# with `ceph osd new`, put in CRUSH, and a size-1 pool "bench" is created.
#
# usage: osd-cluster.sh DIR V2PORT ours|real|none [--workload] [--ipv6] [--cephx] [--secure] [--extra-conf FILE]
#   "none" registers the OSD but starts nothing (a test starts and stops our OSD itself).
#   Prints "mon_pid=… osd_pid=… osd_id=… uuid=… conf=DIR/ceph.conf" once the OSD is up.
#   With --workload it then runs rados put/stat/get and rados bench write/seq, and stops every
#   daemon it started, by PID. Our OSD runs from $OSD_SAMPLE_DLL, built into DIR when unset.
#   --ipv6 and --extra-conf FILE go to start-test-mon.sh (a cluster on [::1]; more ceph.conf).
#   --cephx: cephx required everywhere (a default cluster); the OSD gets its key from
#   `ceph auth get-or-create osd.N mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *'`, kept in
#   DIR/keyring, which ceph.conf names. --secure (implies --cephx): every ms_*_mode is "secure", so no
#   connection in the cluster can pass in crc mode.
set -euo pipefail
dir=$1; port=$2; which=$3; shift 3
workload=; mon_opts=(); cephx=; secure=; extra=
while [ $# -gt 0 ]; do
  case $1 in
    --workload) workload=--workload ;;
    --ipv6) mon_opts+=(--ipv6) ;;
    --cephx) cephx=1 ;;
    --secure) cephx=1; secure=1 ;;
    --extra-conf) extra=$2; shift ;;
    *) echo "osd-cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "$cephx" ]; then mon_opts+=(--cephx); fi
if [ -n "$secure" ] || [ -n "$extra" ]; then
  conf_extra="$dir.osd-cluster.conf" # not DIR.extra.conf: that may be the caller's FILE
  : >"$conf_extra"
  if [ -n "$extra" ]; then cat "$extra" >>"$conf_extra"; fi
  if [ -n "$secure" ]; then
    printf '[global]\nms_cluster_mode = secure\nms_service_mode = secure\nms_client_mode = secure\nms_mon_cluster_mode = secure\nms_mon_service_mode = secure\nms_mon_client_mode = secure\n' >>"$conf_extra"
  fi
  mon_opts+=(--extra-conf "$conf_extra")
fi

"$repo/scripts/start-test-mon.sh" "$dir" "$port" ${mon_opts[@]+"${mon_opts[@]}"} >"$dir.mon.out"
rm -f "$dir.osd-cluster.conf"
mon_pid=$(sed -n 's/^pid=\([0-9]*\).*/\1/p' "$dir.mon.out"); rm -f "$dir.mon.out"
conf=(-c "$dir/ceph.conf" --connect-timeout 30)
rconf=(-c "$dir/ceph.conf")
pids=("$mon_pid")
stop_all() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done; kill -KILL "$p" 2>/dev/null || true; done; }
trap 'stop_all' ERR

uuid=$(cat /proc/sys/kernel/random/uuid)
id=$(ceph "${conf[@]}" osd new "$uuid")
if [ -n "$cephx" ]; then
  ceph "${conf[@]}" auth get-or-create "osd.$id" mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *' >>"$dir/keyring"
fi
ceph "${conf[@]}" osd crush add "osd.$id" 1.0 host=kmsgr root=default >/dev/null 2>&1
ceph "${conf[@]}" osd pool create bench 8 8 >/dev/null 2>&1
ceph "${conf[@]}" osd pool set bench size 1 --yes-i-really-mean-it >/dev/null 2>&1

if [ "$which" = "none" ]; then
  echo "mon_pid=$mon_pid osd_pid=0 osd_id=$id uuid=$uuid conf=$dir/ceph.conf"
  exit 0
elif [ "$which" = "ours" ]; then
  dll=${OSD_SAMPLE_DLL:-}
  if [ -z "$dll" ]; then
    dotnet build -c Release "$repo/samples/KestrelMessenger.OsdSample" -o "$dir/osd-sample" >/dev/null
    dll="$dir/osd-sample/osd-sample.dll"
  fi
  dotnet "$dll" osd --id "$id" --uuid "$uuid" --conf "$dir/ceph.conf" --beacon-interval 5 >"$dir/log/osd.$id.out" 2>&1 &
  osd_pid=$!
else
  mkdir -p "$dir/osd/ceph-$id"
  ceph-osd "${rconf[@]}" -i "$id" --mkfs --osd-uuid "$uuid" >"$dir/log/osd-mkfs.log" 2>&1
  ceph-osd "${rconf[@]}" -i "$id"
  for _ in $(seq 1 50); do [ -s "$dir/run/osd.$id.pid" ] && break; sleep 0.1; done
  osd_pid=$(cat "$dir/run/osd.$id.pid")
fi
pids+=("$osd_pid")

for _ in $(seq 1 300); do
  ceph "${conf[@]}" osd dump 2>/dev/null | grep -q "^osd.$id up" && break
  sleep 0.2
done
ceph "${conf[@]}" osd dump 2>/dev/null | grep -q "^osd.$id up" || { echo "osd.$id did not come up" >&2; stop_all; exit 1; }
echo "mon_pid=$mon_pid osd_pid=$osd_pid osd_id=$id uuid=$uuid conf=$dir/ceph.conf"

if [ "$workload" = "--workload" ]; then
  head -c 1048576 /dev/urandom >"$dir/obj.in"
  rados "${rconf[@]}" -p bench put obj "$dir/obj.in"
  rados "${rconf[@]}" -p bench stat obj
  rados "${rconf[@]}" -p bench get obj "$dir/obj.out"
  cmp "$dir/obj.in" "$dir/obj.out" && echo "1 MiB object round-tripped byte-identically"
  rados "${rconf[@]}" -p bench bench 5 write -b 4096 -t 16 --no-cleanup | tail -12
  rados "${rconf[@]}" -p bench bench 5 seq -t 16 | tail -8
  stop_all
fi
