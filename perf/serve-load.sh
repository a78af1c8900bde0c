#!/usr/bin/env bash
# Load test of `loupe serve`: N annotators over SSH on loopback, each pressing a key every 500 ms, against
# a real server process, once with text-block pictures and once with sixel. For each protocol it prints
# (perf/sshload measures; see its doc comment for what "the frame that reflects a key" is):
#   - key -> frame latency p50/p95/p99/max (all keys, accept, move) and key -> status acknowledgement;
#   - keys sent, frames, keys whose frame never came within 2 s, ticks skipped;
#   - decisions the screens acknowledged vs decisions stored in the workspace (lost must be 0);
#   - the server's RSS (peak sampled, VmHWM, at the end) and CPU seconds per session per minute;
#   - bytes received per client and per item shown.
# The targets (issue): p95 < 100 ms with blocks, < 150 ms with sixel (picture 60x30 cells), 0 lost
# decisions, server RSS < 400 MB. Exit status 1 when a target is missed or a step failed.
#
# Usage: perf/serve-load.sh [PROTOCOL...]          (default: blocks sixel)
#   N=16            clients (annotators)
#   DURATION=60     seconds of key presses per protocol
#   INTERVAL=500ms  time between one client's keys
#   OVERLAP=2       annotators per item (the queue's overlap; leases hand items out either way)
#   ROWS=2000       items in the workspace (each protocol gets its own queue of all of them)
#   SIZE=150x32     terminal size: the picture pane is max(24, cols*2/5) x (rows-2) cells (tui/view.go
#                   leftWidth, bodyRows), so 150x32 gives 60x30; a square picture at the default 8x16
#                   pixel cell fills it exactly (480x480 px)
#   LOUPE=binary    use this loupe instead of building one
#   KEEP=1          keep the work folder (workspace, keys, server logs)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
work=$(mktemp -d /tmp/serve-load.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid"; wait "$server_pid" 2>/dev/null; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

n=${N:-16}
duration=${DURATION:-60}
interval=${INTERVAL:-500ms}
overlap=${OVERLAP:-2}
rows=${ROWS:-2000}
size=${SIZE:-150x32}
cols=${size%x*} trows=${size#*x}
protos=("$@")
[ ${#protos[@]} -eq 0 ] && protos=(blocks sixel)

loupe=${LOUPE:-}
if [ -z "$loupe" ]; then
  loupe="$work/loupe"
  go build -o "$loupe" . || exit 1
fi
go build -o "$work/sshload" ./perf/sshload || exit 1
sshload="$work/sshload"

# The workspace: one shard of ROWS rows with 512 px pictures, a queue per protocol.
db="$work/w.db"
t0=$(date +%s.%N)
# Every row its own picture (--image-pool ROWS, about 35 s for 2000): with a pool, neighbours may share
# a picture, and a sixel client cannot tell the new picture from the old one drawn again.
"$loupe" demo gen --out "$work/shards" --shards 1 --rows "$rows" --image-size 512 --row-groups 20 --subset text \
  --image-pool "$rows" >/dev/null || exit 1
"$loupe" --db "$db" import "$work/shards" -q >/dev/null || exit 1
for p in "${protos[@]}"; do
  "$loupe" --db "$db" sample --name "load-$p" --n "$rows" --seed 1 >/dev/null || exit 1
  "$sshload" overlap -db "$db" -queue "load-$p" -k "$overlap" || exit 1
done
echo "workspace: $rows items (512 px JPEG), queues ${protos[*]/#/load-}, overlap $overlap, made in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"

# N keys and the annotators file.
mkdir -p "$work/keys"
: >"$work/team.keys"
for i in $(seq -w 1 "$n"); do
  name="ann$i"
  ssh-keygen -q -t ed25519 -N '' -C "$name@load" -f "$work/keys/$name" || exit 1
  echo "$name $(cat "$work/keys/$name.pub")" >>"$work/team.keys"
done
rm -f "$work"/keys/*.pub

free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  return 1
}

status=0
for p in "${protos[@]}"; do
  port=$(free_port) || { echo "no free port"; exit 1; }
  log="$work/serve-$p.log"
  "$loupe" --db "$db" serve --addr "127.0.0.1:$port" --annotators "$work/team.keys" --host-key "$work/hk" \
    --queue "load-$p" --protocol "$p" 2>"$log" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q "listening" "$log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { echo "loupe serve exited:"; cat "$log"; exit 1; }
    sleep 0.1
  done
  grep -q "listening" "$log" || { echo "loupe serve did not start listening:"; cat "$log"; exit 1; }
  echo
  echo "== $p: $n clients x ${duration}s, $size terminals, server pid $server_pid on 127.0.0.1:$port"
  target=100ms
  [ "$p" = sixel ] && target=150ms
  "$sshload" run -addr "127.0.0.1:$port" -keys "$work/keys" -n "$n" -duration "${duration}s" -interval "$interval" \
    -cols "$cols" -rows "$trows" -protocol "$p" -pid "$server_pid" -acked "$work/acked-$p.json" -target "$target" || status=1
  hwm=$(awk '/VmHWM/{print $2}' "/proc/$server_pid/status")
  rss=$(awk '/VmRSS/{print $2}' "/proc/$server_pid/status")
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null
  server_pid=""
  ended=$(grep -Ec 'event=end|ended after' "$log")
  logged=$(grep 'event=end' "$log" | sed -n 's/.* decisions=\([0-9]*\).*/\1/p' | awk '{s+=$1} END{print s+0}')
  echo "server after the run: VmHWM $((hwm / 1024)) MB, VmRSS $((rss / 1024)) MB; $ended sessions ended (their log counts $logged decisions); $(grep -Eci 'error|panic' "$log") log lines with error/panic"
  # Counted after the server stopped: every acknowledged decision must be in the workspace.
  "$sshload" count -db "$db" -queue "load-$p" -acked "$work/acked-$p.json" || status=1
  if [ "$hwm" -ge $((400 * 1024)) ]; then
    echo "target: server peak RSS $((hwm / 1024)) MB < 400 MB: NOT met"; status=1
  else
    echo "target: server peak RSS $((hwm / 1024)) MB < 400 MB: met"
  fi
done
exit $status
