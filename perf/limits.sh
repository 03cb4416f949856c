#!/usr/bin/env bash
# The messenger against the machine's limits, in one run: the same client process shape (KestrelMessenger.Limits
# drive) against a raw Kestrel echo ConnectionHandler, the messenger in crc mode and in secure mode, each a server
# process of its own on 127.0.0.1, plus iperf3 for one bulk TCP stream on the same loopback. Within every round the
# cases alternate (echo, crc, secure, iperf3) so drift on the machine hits all of them; every ratio is taken within
# a round, and the summary gives the median over the rounds. See perf/README.md for what each figure means.
#
# usage: perf/limits.sh [ROUNDS=3] [SECONDS=5]     (LIMITS_WARMUP=S changes the 1 s warm-up before each window)
set -euo pipefail
rounds=${1:-3}
secs=${2:-5}
warmup=${LIMITS_WARMUP:-1}
repo=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v iperf3 >/dev/null 2>&1; then
  echo "limits.sh: iperf3 is missing (the bulk case compares against it): sudo apt-get install -y iperf3" >&2
  exit 2
fi

work=$(mktemp -d)   # mode 700: the secrets file lives here while a secure server runs
server_pid=""
port=""

# Stops the server of the current case by its PID: TERM, then KILL if it has not gone within 5 s.
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

echo "building perf/KestrelMessenger.Limits (Release) ..."
if ! dotnet build -c Release "$repo/perf/KestrelMessenger.Limits" -o "$work/tool" >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  exit 1
fi
tool=(dotnet "$work/tool/KestrelMessenger.Limits.dll")

# Server launchers: each execs, so the PID the script holds is the server's own.
serve_ours() { exec "${tool[@]}" serve --kind "$kind" --port "$port" "${secret_args[@]}"; }
serve_iperf3() { exec iperf3 -s -1 -B 127.0.0.1 -p "$port" --forceflush; }

# start_server LAUNCHER READY-TEXT: on a random high port, retried when the port is taken; sets port and server_pid.
start_server() {
  local launcher=$1 ready=$2 log="$work/server.log" rc
  for _ in $(seq 10); do
    port=$((20000 + RANDOM % 40000))
    "$launcher" >"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 300); do
      if grep -q "$ready" "$log"; then return 0; fi
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "limits.sh: the server did not get ready within 30 s:" >&2
      cat "$log" >&2
      stop_server
      return 1
    fi
    rc=0
    wait "$server_pid" || rc=$?
    server_pid=""
    if [ "$rc" -eq 4 ] || grep -qi "address already in use" "$log"; then continue; fi
    echo "limits.sh: the server exited ($rc):" >&2
    cat "$log" >&2
    return 1
  done
  echo "limits.sh: no free port after 10 tries" >&2
  return 1
}

results="$work/results.txt"
record() { # record ROUND CASE RESULT-LINE
  printf 'round=%s case=%s %s\n' "$1" "$2" "${3#RESULT }" >>"$results"
  python3 - "$1" "$2" "${3#RESULT }" <<'PY'
import sys
r = dict(kv.split("=", 1) for kv in sys.argv[3].split())
f = lambda k: float(r[k])
alloc = f"  alloc {f('client_b_per_msg'):8.1f} / {f('server_b_per_msg'):.1f} B/msg (client / server)" if "client_b_per_msg" in r else ""
rate = f"{f('msg_per_s'):>10,.0f} msg/s" if "msg_per_s" in r else " " * 16
print(f"round {sys.argv[1]}  {sys.argv[2]:<12} {rate} {f('mb_per_s'):>9,.1f} MB/s"
      + (f"  p50 {f('p50_us'):>9,.1f} us  p99 {f('p99_us'):>9,.1f} us" if "p50_us" in r else "") + alloc)
PY
}

# drive ROUND CASE DRIVE-OPTIONS...: one client process against the current server.
drive() {
  local round=$1 name=$2 out
  shift 2
  out=$("${tool[@]}" drive --kind "$kind" --port "$port" --seconds "$secs" --warmup "$warmup" "${secret_args[@]}" "$@")
  record "$round" "$name" "$(grep '^RESULT ' <<<"$out")"
}

rr16=(--connections 1 --inflight 16 --size 4096)
qd1=(--connections 1 --inflight 1 --size 4096)
bulk=(--connections 1 --inflight 4 --size 4194304 --one-way)

for round in $(seq 1 "$rounds"); do
  kind=echo secret_args=()
  start_server serve_ours LISTENING
  drive "$round" echo-rr16 "${rr16[@]}"
  drive "$round" echo-qd1 "${qd1[@]}"
  stop_server

  kind=crc secret_args=()
  start_server serve_ours LISTENING
  drive "$round" crc-rr16 "${rr16[@]}"
  drive "$round" crc-qd1 "${qd1[@]}"
  drive "$round" crc-bulk "${bulk[@]}"
  for n in 4 16 64; do
    drive "$round" "crc-c$n" --connections "$n" --inflight 16 --size 4096
  done
  stop_server

  kind=secure secret_args=(--secrets "$work/secrets")
  "${tool[@]}" secrets --out "$work/secrets"
  start_server serve_ours LISTENING
  drive "$round" secure-rr16 "${rr16[@]}"
  drive "$round" secure-bulk "${bulk[@]}"
  stop_server
  rm -f "$work/secrets"

  start_server serve_iperf3 "Server listening"
  iperf3 -c 127.0.0.1 -p "$port" -t "$secs" -O "$warmup" -J >"$work/iperf3.json"
  stop_server
  record "$round" iperf3 "$(python3 -c '
import json, sys
bps = json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]
print(f"mb_per_s={bps / 8e6:.2f}")' "$work/iperf3.json")"
done

echo
echo "medians over $rounds rounds (${secs} s windows after a ${warmup} s warm-up; every ratio within its round):"
python3 - "$results" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(dict)  # round -> case -> figures
for line in open(sys.argv[1]):
    r = dict(kv.split("=", 1) for kv in line.split())
    round_, case = r.pop("round"), r.pop("case")
    runs[round_][case] = {k: float(v) for k, v in r.items() if k not in ("kind", "shape", "gc_mode", "client_gc", "server_gc")}
rounds = list(runs.values())
med = lambda xs: statistics.median(xs) if xs else float("nan")
def each(case, key): return [r[case][key] for r in rounds if key in r.get(case, {})]
def ratio(a, ka, b, kb): return med([r[a][ka] / r[b][kb] for r in rounds if a in r and b in r and r[b][kb]])

cases = ["echo-rr16", "echo-qd1", "crc-rr16", "crc-qd1", "crc-bulk", "crc-c4", "crc-c16", "crc-c64", "secure-rr16", "secure-bulk", "iperf3"]
print()
print(f"{'case':<12} {'msg/s':>10} {'MB/s':>9} {'p50 us':>9} {'p99 us':>9} {'client B/msg':>13} {'server B/msg':>13}")
for c in cases:
    if not each(c, "mb_per_s"):
        continue
    m = lambda k, width, form: format(med(each(c, k)), form).rjust(width) if each(c, k) else "-".rjust(width)
    print(f"{c:<12} {m('msg_per_s', 10, ',.0f')} {m('mb_per_s', 9, ',.1f')} {m('p50_us', 9, ',.1f')} {m('p99_us', 9, ',.1f')} "
          + f"{m('client_b_per_msg', 13, ',.1f')} {m('server_b_per_msg', 13, ',.1f')}")

rows = []
def row(metric, target, value, ok, note=""):
    rows.append((metric, target, value, "pass" if ok else "FAIL", note))

v = ratio("crc-rr16", "msg_per_s", "echo-rr16", "msg_per_s")
row("4 KiB, 16 in flight, 1 connection: crc msg/s / echo msg/s", ">= 0.9", f"{v:.2f}", v >= 0.9)
v = ratio("crc-qd1", "p50_us", "echo-qd1", "p50_us")
row("QD1 4 KiB median RTT: crc / echo", "<= 1.3", f"{v:.2f}", v <= 1.3,
    f"{med(each('crc-qd1', 'p50_us')):.1f} vs {med(each('echo-qd1', 'p50_us')):.1f} us")
v = ratio("crc-bulk", "mb_per_s", "iperf3", "mb_per_s")
row("bulk 4 MiB one way: crc MB/s / iperf3 one stream", ">= 0.6", f"{v:.2f}", v >= 0.6,
    f"{med(each('crc-bulk', 'mb_per_s')):,.0f} vs {med(each('iperf3', 'mb_per_s')):,.0f} MB/s")
v = ratio("secure-bulk", "mb_per_s", "crc-bulk", "mb_per_s")
row("bulk 4 MiB one way: secure MB/s / crc MB/s", ">= 0.6", f"{v:.2f}", v >= 0.6)
for side in ("client", "server"):
    v = med(each("crc-rr16", f"{side}_b_per_msg"))
    row(f"steady-state allocation per message, crc 4 KiB x16, {side}", "0 B", f"{v:,.1f} B", v < 0.5,
        f"echo on the same sockets: {med(each('echo-rr16', f'{side}_b_per_msg')):,.1f} B")
best = []
for r in rounds:
    got = {n: r[f"crc-c{n}" if n > 1 else "crc-rr16"]["msg_per_s"] for n in (1, 4, 16, 64) if (f"crc-c{n}" if n > 1 else "crc-rr16") in r}
    top = max(got.values())
    best.append({n: x / top for n, x in got.items()})
of_best = {n: med([b[n] for b in best if n in b]) for n in (1, 4, 16, 64)}
aggregate = {n: med(each(f"crc-c{n}" if n > 1 else "crc-rr16", "msg_per_s")) for n in (1, 4, 16, 64)}
# A collapse is throughput falling as connections are added: the worst count from the best one on
# (one connection alone, a single read and write loop per side, cannot use both cores; it is shown in the notes).
peak = max(of_best, key=of_best.get)
worst = min(v for n, v in of_best.items() if n >= peak)
row("1 -> 64 connections, 4 KiB x16 each, crc: aggregate msg/s, worst from the peak on / best", ">= 0.8", f"{worst:.2f}", worst >= 0.8,
    ", ".join(f"{n}: {aggregate[n]:,.0f} ({of_best[n]:.2f})" for n in (1, 4, 16, 64)))

print()
w = max(len(r[0]) for r in rows)
print(f"{'metric':<{w}}  {'target':>7}  {'measured':>9}  result  notes")
for metric, target, value, verdict, note in rows:
    print(f"{metric:<{w}}  {target:>7}  {value:>9}  {verdict:<6}  {note}")
print(f"\n{sum(r[3] == 'pass' for r in rows)} of {len(rows)} targets met")
PY
