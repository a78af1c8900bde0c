#!/usr/bin/env bash
# Peak memory of the review screen: runs `loupe review` on the demo workspace in a detached tmux window
# (200x60 cells by default) with the picture protocol forced, sends 200 `j` keys, and prints the
# process's peak resident set (VmHWM from /proc/PID/status) and its resident set at the end (VmRSS).
#
# Needs: tmux. Usage: perf/review-memory.sh [PROTOCOL...]   (default: kitty sixel)
#   LOUPE=path     use this binary instead of building one
#   DEMO=dir       the demo workspace (built with `loupe demo --no-open` when missing; default /tmp/loupe-demo)
#   MOVES=200 DELAY=0.05 SIZE=200x60 (cells; a detached tmux reports no pixel size, so cells are 8x16)
#   MAX_MB=150     exit 1 if a peak is at or above it
set -uo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "review-memory.sh: tmux is not installed"; exit 2; }
work=$(mktemp -d)
sock="$work/tmux.sock"
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$work"' EXIT
loupe=${LOUPE:-}
if [ -z "$loupe" ]; then
  loupe="$work/loupe"
  go build -o "$loupe" . || exit 1
fi
demo=${DEMO:-/tmp/loupe-demo}
if [ ! -f "$demo/loupe.db" ]; then
  "$loupe" demo --no-open --dir "$demo" >/dev/null || exit 1
fi
moves=${MOVES:-200}
delay=${DELAY:-0.05}
size=${SIZE:-200x60}
cols=${size%x*} rows=${size#*x}
max_mb=${MAX_MB:-150}
protos=("$@")
[ ${#protos[@]} -eq 0 ] && protos=(kitty sixel)

fail=0
printf '%-8s %-10s %-12s %-12s %s\n' protocol size "peak MB" "end MB" "seconds"
for proto in "${protos[@]}"; do
  tmux -S "$sock" kill-server 2>/dev/null
  # A pixel size for the window, so pictures are as large as in a real terminal (cells of CELL pixels).
  tmux -S "$sock" -f /dev/null new-session -d -x "$cols" -y "$rows" \
    "exec env TERM=xterm-256color '$loupe' review --db '$demo/loupe.db' --annotator memcheck --protocol $proto"
  pid=""
  for _ in $(seq 50); do
    pid=$(pgrep -n -P "$(tmux -S "$sock" display -p '#{pane_pid}' 2>/dev/null || echo 0)" 2>/dev/null || true)
    [ -z "$pid" ] && pid=$(tmux -S "$sock" display -p '#{pane_pid}' 2>/dev/null)
    [ -n "$pid" ] && [ -r "/proc/$pid/status" ] && grep -q loupe "/proc/$pid/comm" 2>/dev/null && break
    sleep 0.1
  done
  if [ -z "$pid" ] || [ ! -r "/proc/$pid/status" ]; then
    echo "review-memory.sh: loupe did not start"; exit 1
  fi
  sleep 1.5
  start=$(date +%s.%N)
  for _ in $(seq "$moves"); do
    tmux -S "$sock" send-keys j
    sleep "$delay"
  done
  sleep 2
  end=$(date +%s.%N)
  hwm=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
  rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  tmux -S "$sock" send-keys q
  sleep 0.5
  peak=$(awk -v k="$hwm" 'BEGIN{printf "%.1f", k/1024}')
  printf '%-8s %-10s %-12s %-12s %.1f\n' "$proto" "$size" "$peak" \
    "$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')" "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')"
  awk -v p="$peak" -v m="$max_mb" 'BEGIN{exit !(p+0 < m+0)}' || fail=1
done
exit $fail
