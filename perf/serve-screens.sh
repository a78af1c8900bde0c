#!/usr/bin/env bash
# The review screen over SSH (loupe serve) in real terminals under Xvfb: xterm (vt340, sixel) and kitty
# (kitty graphics), at 200x60 cells as in perf/review-screens.sh, compared with the same screen run
# locally (loupe review) in the same window.
#
# The server runs on the demo workspace's queue "demo" WITHOUT --protocol: the picture protocol is
# detected through ssh, by queries that travel to the real terminal and back (ssh forwards TERM in its
# pty request: xterm, xterm-kitty). The client is plain OpenSSH: ssh -t -p PORT -i KEY 127.0.0.1, with
# a fresh ed25519 key that the annotators file maps to the annotator "screens". The server's log says
# which screen is up: "session screens ...: queue demo, pictures P (reason)" is the review screen opened
# directly; "event=start name=screens ... pictures=P detected=..." is a session that shows the start
# screen ("Choose a queue") first, where Enter opens the highlighted (only) queue. Enter is a decision
# (agree) on the review screen, so it is typed only after an event=start line AND when a screenshot's
# picture pane does not match the local screen's (< 30 dB); the session's event=end line must then say
# queues=demo decisions=0. The protocol and the reason are read from the same log lines.
#
# Comparisons, per terminal (the picture pane: left 80 of 200 columns; the first undecided item of the
# queue for "screens", which both the local screen and the server's lease open):
#   local   PSNR (dB) of the picture in the local `loupe review --protocol P` screenshot against the
#           item's own picture (exported from the workspace), found and scaled as perf/terminals.sh does
#           for its `loupe view` rows: the local figure
#   ssh     the same for the screenshot over ssh
#   diff    ssh - local; and "ssh/local": PSNR of the picture pane of the two screenshots, pixel for pixel
# A terminal passes when the server detected the expected protocol (sixel in xterm, kitty in kitty), the
# ssh figure is within 1 dB of the local one (or the two panes match at >= 35 dB), the local figure is
# at least MIN_PSNR (default 20 dB; a picture was drawn at all), and the session recorded no decision.
#
# Needs: Xvfb xterm kitty imagemagick (import, convert) openssh-client (ssh, ssh-keygen); sqlite3 to
# name the item shown (without it the exported picture that best matches the local screenshot is used).
# Called by perf/terminals.sh; alone:
#   perf/serve-screens.sh [MIN_PSNR]   LOUPE=binary DEMO=dir KEEP=dir (screenshots, server log) WAIT=seconds ONLY=regex
set -uo pipefail
cd "$(dirname "$0")/.."
min=${1:-20}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for t in Xvfb import convert ssh ssh-keygen; do
  command -v $t >/dev/null || { echo "serve-screens.sh: $t is not installed (see the header of this script)"; exit 2; }
done
loupe=${LOUPE:-}
if [ -z "$loupe" ]; then
  loupe="$work/loupe"
  go build -o "$loupe" . || exit 1
fi
go build -o "$work/termshot" ./perf/termshot || exit 1
demo=${DEMO:-/tmp/loupe-demo}
db=$demo/loupe.db
queue=demo
[ -f "$db" ] || "$loupe" demo --no-open --dir "$demo" >/dev/null || exit 1
wait_s=${WAIT:-5}

# The item both screens open first (the first of the queue "screens" has not decided) and its picture.
"$loupe" --db "$db" export --format jsonl --out "$work/exp/q.jsonl" --queue $queue --quiet >/dev/null || exit 1
ref=
if command -v sqlite3 >/dev/null; then
  n=$(sqlite3 "$db" "SELECT qi.item_id FROM queue_items qi JOIN queues q ON q.id = qi.queue_id
    WHERE q.name = '$queue' AND NOT EXISTS (SELECT 1 FROM human_current h JOIN annotators a ON a.id = h.annotator_id
      WHERE h.item_id = qi.item_id AND a.name = 'screens') ORDER BY qi.pos LIMIT 1")
  id=$("$loupe" --db "$db" show-item "$n" --no-shard 2>/dev/null | awk 'NR == 1 {print $1}')
  ref=$(ls "$work/exp/q.jsonl_images/$id".* 2>/dev/null | head -1)
  [ -n "$ref" ] || echo "serve-screens.sh: no exported picture for item $n ($id); using the best match"
fi
decisions() {
  command -v sqlite3 >/dev/null || { echo 0; return; }
  sqlite3 "$db" "SELECT count(*) FROM events e JOIN annotators a ON a.id = e.annotator_id WHERE a.name = 'screens' AND e.kind != 'skip'"
}

# The server: a fresh client key mapped to "screens", any free port, no --protocol.
ssh-keygen -q -t ed25519 -N '' -C screens -f "$work/client" || exit 1
echo "screens $(cut -d' ' -f1,2 "$work/client.pub")" >"$work/annotators"
"$loupe" --db "$db" serve --addr 127.0.0.1:0 --annotators "$work/annotators" --host-key "$work/host_key" \
  --queue $queue >"$work/serve.log" 2>&1 &
server=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's/.*listening\( on \| .*addr=\)127\.0\.0\.1:\([0-9]*\).*/\2/p' "$work/serve.log" | head -1)
  [ -n "$port" ] && break
  kill -0 $server 2>/dev/null || break
  sleep 0.2
done
if [ -z "$port" ]; then
  echo "serve-screens.sh: loupe serve did not start:"; cat "$work/serve.log"; exit 1
fi
sshcmd="ssh -F /dev/null -t -p $port -i $work/client -o IdentitiesOnly=yes -o BatchMode=yes \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR 127.0.0.1"

export DISPLAY=:95
Xvfb $DISPLAY -screen 0 1700x1200x24 -nolisten tcp >/dev/null 2>&1 &
sleep 2
kill -0 $! 2>/dev/null || { echo "serve-screens.sh: Xvfb $DISPLAY did not start (a stale /tmp/.X${DISPLAY#:}-lock?)"; exit 2; }

# open_term TERMINAL COMMAND: run COMMAND in a fresh 200x60 window (as perf/review-screens.sh does);
# keys written to $work/keys reach it through termshot pty.
open_term() {
  local term=$1 cmd=$2
  rm -f "$work/keys"; mkfifo "$work/keys"
  local run="printf '\033[?25l\033[H\033[2J'; exec $work/termshot pty $work/keys $cmd"
  case $term in
    xterm) xterm -geometry 200x60+0+0 -ti vt340 -xrm 'XTerm*decTerminalID: vt340' \
             -xrm 'XTerm*numColorRegisters: 256' -xrm 'XTerm*allowWindowOps: true' \
             -fa 'DejaVu Sans Mono' -fs 10 -bg '#ff00ff' -e bash -c "$run" & ;;
    kitty) kitty --config NONE -o font_size=10 -o cursor_blink_interval=0 -o background='#ff00ff' \
             -o window_padding_width=0 -o initial_window_width=200c -o initial_window_height=60c \
             -o remember_window_size=no bash -c "$run" >/dev/null 2>&1 & ;;
  esac
  term_pid=$!
  sleep "$wait_s"
}
close_term() {
  # q ends the review screen; on a start screen (the server's, after the review screen) q again quits
  timeout 5 bash -c 'printf q >"$1"' _ "$work/keys"; sleep 1
  kill -0 "$term_pid" 2>/dev/null && timeout 3 bash -c 'printf q >"$1"' _ "$work/keys" && sleep 1
  kill "$term_pid" 2>/dev/null; wait "$term_pid" 2>/dev/null
}
key() {
  timeout 10 bash -c 'printf "%b" "$1" >"$2"' _ "$1" "$work/keys" ||
    { echo "serve-screens.sh: the $term window takes no keys (did it open?)"; return 1; }
}
shot() { import -window root "$work/$1.png" 2>/dev/null; [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$work/$1.png" "$KEEP/"; }

# figure SHOT: PSNR of the picture in the pane (left of the separator, above the status bar) against
# the item's picture, as termshot compare finds and scales it.
figure() {
  local wh w h
  wh=$(convert "$work/$1.png" -alpha off -fuzz 8% -fill black +opaque '#ff00ff' -bordercolor black -border 1 \
    -trim -format '%w %h' info: 2>/dev/null)
  read -r w h <<<"$wh"
  [ -n "${w:-}" ] || { echo "- (no window)"; return; }
  "$work/termshot" compare "$work/$1.png" "$2" $(((w * 2 + 2) / 5 + 2)) $((h * 57 / 60)) 2>&1
}
pic="0 0 0.395 0.98"
# newlog: the server's log since this session began (after line $lines).
newlog() { tail -n +$((lines + 1)) "$work/serve.log"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a+0 >= b+0)}'; }

fail=0
printf '%-8s %-14s %-15s %-15s %-6s %-10s %s\n' terminal "ssh protocol" "local PSNR dB" "ssh PSNR dB" diff "ssh/local" verdict
for tp in xterm:sixel kitty:kitty; do
  term=${tp%%:*} proto=${tp#*:}
  command -v "$term" >/dev/null || continue
  [[ -z "${ONLY:-}" || "$term" =~ $ONLY || "serve" =~ $ONLY || "ssh" =~ $ONLY || "loupe" =~ $ONLY ]] || continue
  before=$(decisions)

  # The local figure: loupe review in the same window.
  open_term "$term" "$loupe review --db $db --annotator screens --queue $queue --protocol $proto"
  shot "serve-$term-local"
  close_term
  if [ -z "$ref" ]; then # no sqlite3: the exported picture the local screenshot shows best
    best=-1
    for f in "$work"/exp/q.jsonl_images/*; do
      p=$(figure "serve-$term-local" "$f"); p=${p%% *}
      [[ "$p" =~ ^[0-9.]+$ ]] && ge "$p" "$best" && { best=$p; ref=$f; }
    done
  fi

  # Over ssh. The server logs either the review screen's opening ("session screens (annotator) from A:
  # queue demo, pictures P (reason)": no start screen) or the session's start ("event=start
  # name=screens ... pictures=P detected=REASON"), after which the start screen is up.
  lines=$(wc -l <"$work/serve.log")
  open_term "$term" "$sshcmd"
  for _ in $(seq 25); do newlog | grep -qE "session screens |name=screens " && break; sleep 0.2; done
  entered= opened= got= why=
  log=$(newlog | grep -E "session screens .*: queue $queue, pictures " | tail -1)
  if [ -n "$log" ]; then
    opened=1
    got=$(sed -n 's/.*pictures \([a-z0-9]*\).*/\1/p' <<<"$log")
    why=$(sed -n 's/.*pictures [a-z0-9]* (\(.*\))$/\1/p' <<<"$log")
  else
    log=$(newlog | grep -E "event=start .*name=screens " | tail -1)
    got=$(sed -n 's/.* pictures=\([a-z0-9]*\).*/\1/p' <<<"$log")
    why=$(sed -n 's/.* detected=\("[^"]*"\|[^ ]*\).*/\1/p' <<<"$log"); why=${why//\"/}
    t=$(sed -n 's/.* term=\([^ ]*\).*/\1/p' <<<"$log"); why="$why${t:+ (TERM $t)}"
    shot "serve-$term-ssh-start"
    # Enter is a decision (agree) on the review screen: type it only when the picture pane does not
    # show the local screen's picture, i.e. the start screen is up.
    q=$("$work/termshot" region "$work/serve-$term-local.png" "$work/serve-$term-ssh-start.png" $pic 2>&1)
    if [ -n "$log" ] && ! ge "${q%% *}" 30; then
      key '\r' || { fail=1; kill "$term_pid" 2>/dev/null; continue; }
      entered=" (start screen, Enter)"
      sleep "$wait_s"
    fi
    [ -n "$log" ] && opened=1
  fi
  shot "serve-$term-ssh"
  close_term
  # The session's end line (new log format): the queues opened and the decisions made.
  for _ in $(seq 10); do newlog | grep -q "event=end .*name=screens " && break; sleep 0.2; done
  endlog=$(newlog | grep -E "event=end .*name=screens " | tail -1)

  l=$(figure "serve-$term-local" "$ref"); s=$(figure "serve-$term-ssh" "$ref")
  lp=${l%% *} sp=${s%% *}
  r=$("$work/termshot" region "$work/serve-$term-local.png" "$work/serve-$term-ssh.png" $pic 2>&1)
  rp=${r%% *}
  diff=$(awk -v a="$sp" -v b="$lp" 'BEGIN{ if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/) printf "%+.1f", a - b; else print "-" }')
  verdict=ok
  after=$(decisions)
  if [ -z "$opened" ]; then
    verdict="FAIL (no session in the server's log)"
  elif [ -n "$endlog" ] && ! grep -qE " queues=\"?([^ ]*,)?$queue[, \"]" <<<"$endlog"; then
    verdict="FAIL (the queue $queue was not opened)"
  elif [ -n "$endlog" ] && ! grep -q " decisions=0 " <<<"$endlog"; then
    verdict="FAIL (the session made decisions: $endlog)"
  elif [ "$got" != "$proto" ]; then
    verdict="FAIL (detected $got, want $proto)"
  elif ! ge "$lp" "$min"; then
    verdict="FAIL (local figure below $min dB)"
  elif ! { [ "$diff" != - ] && awk -v d="$diff" 'BEGIN{exit !(d >= -1 && d <= 1)}'; } && ! ge "$rp" 35; then
    verdict="FAIL (ssh differs from local)"
  elif [ "$after" != "$before" ]; then
    verdict="FAIL (decisions recorded: $before -> $after)"
  fi
  [ "$verdict" = ok ] || fail=1
  printf '%-8s %-14s %-15s %-15s %-6s %-10s %s\n' "$term" "${got:--}" "$l" "$s" "$diff" "$rp" "$verdict$entered${why:+; detected: $why}"
done
[ -n "${KEEP:-}" ] && cp "$work/serve.log" "$KEEP/serve.log"
if [ $fail -ne 0 ]; then
  echo "serve-screens.sh: item picture ${ref##*/}; server log:"; sed 's/^/  /' "$work/serve.log"
fi
exit $fail
