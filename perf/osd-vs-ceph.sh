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

# CPU time (user + system) the process has used so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick_us=$(awk "BEGIN{print 1000000 / $(getconf CLK_TCK)}")

# One rados bench run: appends "osd shape iops mbps latency_ms cpu_us_per_op" to the results. The CPU time
# is the OSD process's own over the run (from /proc/PID/stat), divided by the ops rados counted: on a
# shared 2-core machine the client's cost is most of the limit, so what each OSD spends per op says more.
bench() {
  local osd=$1 shape=$2; shift 2
  local out before after
  before=$(cpu_ticks "$osd_pid")
  out=$(rados -c "$conf" -p bench bench "$@")
  after=$(cpu_ticks "$osd_pid")
  local iops mbps lat ops cpu
  iops=$(sed -n 's/^Average IOPS: *\([0-9.]*\).*/\1/p' <<<"$out")
  mbps=$(sed -n 's/^Bandwidth (MB\/sec): *\([0-9.]*\).*/\1/p' <<<"$out")
  lat=$(sed -n 's/^Average Latency(s): *\([0-9.]*\).*/\1/p' <<<"$out")
  ops=$(sed -n 's/^Total \(writes\|reads\) made: *\([0-9]*\).*/\2/p' <<<"$out")
  cpu=$(awk "BEGIN{print ($after - $before) * $tick_us / ($ops > 0 ? $ops : 1)}")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$osd" "$shape" "$iops" "$mbps" "$(awk "BEGIN{print $lat*1000}")" "$cpu" >>"$results"
  printf '  %-5s %-16s %10s IOPS %9s MB/s %8.3f ms %9.1f us CPU/op\n' "$osd" "$shape" "$iops" "$mbps" "$(awk "BEGIN{print $lat*1000}")" "$cpu"
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
for osd, shape, iops, mbps, lat, cpu in rows:
    data[shape][osd].append((float(iops), float(mbps), float(lat), float(cpu)))
# The issue's targets for ours / real (throughput); shapes without one show "-".
targets = {"write 4KiB": 2.5, "rand read 16B": 2.0, "write 4MiB": 1.5, "seq read 4MiB": 1.2}
print(f"{'shape':<16} {'real IOPS':>10} {'ours IOPS':>10} {'ratio':>6} {'target':>6}   {'real MB/s':>9} {'ours MB/s':>9}   {'real ms':>8} {'ours ms':>8}   {'real us CPU/op':>14} {'ours us CPU/op':>14} {'ratio':>6}")
for shape in ["write 4KiB", "rand read 4KiB", "write 16B", "rand read 16B", "write 4MiB", "seq read 4MiB"]:
    r = [statistics.median(v) for v in zip(*data[shape]["real"])]
    o = [statistics.median(v) for v in zip(*data[shape]["ours"])]
    t = targets.get(shape)
    verdict = "-" if t is None else (f">={t} ok" if o[0] / r[0] >= t else f">={t} NO")
    print(f"{shape:<16} {r[0]:>10.0f} {o[0]:>10.0f} {o[0]/r[0]:>5.2f}x {verdict:>9}   {r[1]:>9.1f} {o[1]:>9.1f}   {r[2]:>8.3f} {o[2]:>8.3f}   {r[3]:>14.1f} {o[3]:>14.1f} {o[3]/r[3]:>5.2f}x")
PY
rm -rf "$work"
