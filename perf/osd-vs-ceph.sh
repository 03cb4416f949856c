#!/usr/bin/env bash
# Side-by-side: the real `rados bench -t 16` shapes against the real ceph-osd (memstore) and against
# our Kestrel-hosted OSD, alternating real/ours in each round, each on a fresh one-OSD cluster
# (scripts/osd-cluster.sh). Prints the median of each figure per OSD and the ratio ours / real.
#
# usage: perf/osd-vs-ceph.sh [ROUNDS=3] [SECONDS=5] [--cephx] [--secure]
#   --cephx and --secure go to scripts/osd-cluster.sh: cephx required everywhere (rados, the monitor and
#   both OSDs authenticate with keys); --secure (implies --cephx) makes every ms_*_mode "secure", so
#   every connection, rados to the OSD included, is encrypted.
set -euo pipefail
positional=(); cluster_opts=()
for arg in "$@"; do
  case $arg in
    --cephx|--secure) cluster_opts+=("$arg") ;;
    -*) echo "osd-vs-ceph.sh: unknown option $arg" >&2; exit 2 ;;
    *) positional+=("$arg") ;;
  esac
done
rounds=${positional[0]:-3}; secs=${positional[1]:-5}
auth="auth none, crc"
for o in ${cluster_opts[@]+"${cluster_opts[@]}"}; do
  case $o in --cephx) [ "$auth" = "cephx, secure" ] || auth="cephx, crc" ;; --secure) auth="cephx, secure" ;; esac
done
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
results="$work/results.tsv"
dotnet build -c Release "$repo/samples/KestrelMessenger.OsdSample" -o "$work/osd-sample" >/dev/null
export OSD_SAMPLE_DLL="$work/osd-sample/osd-sample.dll"

# One rados bench run: appends "osd shape iops mbps latency_ms" to the results.
bench() {
  local osd=$1 shape=$2; shift 2
  local out
  out=$(rados -c "$conf" -p bench bench "$@")
  local iops mbps lat
  iops=$(sed -n 's/^Average IOPS: *\([0-9.]*\).*/\1/p' <<<"$out")
  mbps=$(sed -n 's/^Bandwidth (MB\/sec): *\([0-9.]*\).*/\1/p' <<<"$out")
  lat=$(sed -n 's/^Average Latency(s): *\([0-9.]*\).*/\1/p' <<<"$out")
  printf '%s\t%s\t%s\t%s\t%s\n' "$osd" "$shape" "$iops" "$mbps" "$(awk "BEGIN{print $lat*1000}")" >>"$results"
  printf '  %-5s %-16s %10s IOPS %9s MB/s %8.3f ms\n' "$osd" "$shape" "$iops" "$mbps" "$(awk "BEGIN{print $lat*1000}")"
}

port=$((34000 + RANDOM % 2000))
for round in $(seq 1 "$rounds"); do
  for osd in real ours; do
    echo "round $round: $osd"
    dir="$work/$osd-$round"; port=$((port + 1))
    line=$("$repo/scripts/osd-cluster.sh" "$dir" "$port" "$osd" ${cluster_opts[@]+"${cluster_opts[@]}"})
    conf="$dir/ceph.conf"
    mon_pid=$(sed -n 's/.*mon_pid=\([0-9]*\).*/\1/p' <<<"$line"); osd_pid=$(sed -n 's/.*osd_pid=\([0-9]*\).*/\1/p' <<<"$line")
    bench "$osd" "write 4KiB" "$secs" write -b 4096 -t 16 --no-cleanup
    bench "$osd" "rand read 4KiB" "$secs" rand -t 16
    bench "$osd" "write 16B" "$secs" write -b 16 -t 16 --no-cleanup
    bench "$osd" "rand read 16B" "$secs" rand -t 16
    bench "$osd" "write 4MiB" "$secs" write -b 4194304 -t 16 --no-cleanup
    bench "$osd" "seq read 4MiB" "$secs" seq -t 16
    for p in "$osd_pid" "$mon_pid"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "$osd_pid" "$mon_pid"; do for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done; kill -KILL "$p" 2>/dev/null || true; done
  done
done

echo
echo "medians over $rounds rounds (rados bench -t 16, ${secs} s each; $auth), ours / real:"
python3 - "$results" <<'PY'
import sys, statistics, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
data = collections.defaultdict(lambda: collections.defaultdict(list))
for osd, shape, iops, mbps, lat in rows:
    data[shape][osd].append((float(iops), float(mbps), float(lat)))
print(f"{'shape':<16} {'real IOPS':>10} {'ours IOPS':>10} {'ratio':>6}   {'real MB/s':>9} {'ours MB/s':>9}   {'real ms':>8} {'ours ms':>8}")
for shape in ["write 4KiB", "rand read 4KiB", "write 16B", "rand read 16B", "write 4MiB", "seq read 4MiB"]:
    r = [statistics.median(v) for v in zip(*data[shape]["real"])]
    o = [statistics.median(v) for v in zip(*data[shape]["ours"])]
    print(f"{shape:<16} {r[0]:>10.0f} {o[0]:>10.0f} {o[0]/r[0]:>5.2f}x   {r[1]:>9.1f} {o[1]:>9.1f}   {r[2]:>8.3f} {o[2]:>8.3f}")
PY
rm -rf "$work"
