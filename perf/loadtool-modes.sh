#!/usr/bin/env bash
# The load tool in several modes, alternating in each round (so drift on a noisy machine hits every
# mode alike), then the median of each figure per mode and its ratio to the first mode.
#
# usage: perf/loadtool-modes.sh [ROUNDS=5] [SECONDS=5] [MODES="crc secure"] -- [LoadTool options...]
#   e.g. perf/loadtool-modes.sh 5 5 "crc secure" -- --size 4194304 --inflight 4
set -euo pipefail
rounds=${1:-5}; secs=${2:-5}; modes=${3:-crc secure}
shift $(( $# < 3 ? $# : 3 )) || true
if [ "${1:-}" = "--" ]; then shift; fi
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dotnet build -c Release "$repo/perf/KestrelMessenger.LoadTool" -o "$work/tool" >/dev/null
results="$work/results.tsv"

for round in $(seq 1 "$rounds"); do
  for mode in $modes; do
    out=$(dotnet "$work/tool/KestrelMessenger.LoadTool.dll" --mode "$mode" --seconds "$secs" "$@")
    num() { sed -n "s#^  $1  *\([0-9,.]*\) .*#\1#p" <<<"$out" | tr -d ,; }
    rate=$(num 'messages/s'); mibs=$(num 'request payload'); p50=$(num 'latency p50'); p99=$(num 'latency p99')
    printf '%s\t%s\t%s\t%s\t%s\n' "$mode" "$rate" "$mibs" "$p50" "$p99" >>"$results"
    printf 'round %d %-10s %10s msg/s %9s MiB/s  p50 %9s us  p99 %9s us\n' "$round" "$mode" "$rate" "$mibs" "$p50" "$p99"
  done
done

echo
echo "medians over $rounds rounds (${secs} s each; LoadTool $*), ratio to ${modes%% *}:"
python3 - "$results" $modes <<'PY'
import sys, statistics, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
modes = sys.argv[2:]
data = collections.defaultdict(list)
for mode, *figures in rows:
    data[mode].append([float(f) for f in figures])
med = {m: [statistics.median(v) for v in zip(*data[m])] for m in modes}
base = med[modes[0]]
print(f"{'mode':<10} {'msg/s':>10} {'ratio':>6} {'MiB/s':>9} {'ratio':>6} {'p50 us':>9} {'ratio':>6} {'p99 us':>9} {'ratio':>6}")
for m in modes:
    r = med[m]
    print(f"{m:<10} {r[0]:>10.0f} {r[0]/base[0]:>5.2f}x {r[1]:>9.1f} {r[1]/base[1] if base[1] else 0:>5.2f}x {r[2]:>9.1f} {r[2]/base[2]:>5.2f}x {r[3]:>9.1f} {r[3]/base[3]:>5.2f}x")
PY
