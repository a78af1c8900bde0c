#!/usr/bin/env bash
# The review screen in real terminals under Xvfb: `loupe review` on the demo workspace's queue "demo"
# (dataset items with English and Chinese captions; QUEUE=prism-audit for the PRISM items) in xterm
# (vt340, sixel), kitty (kitty graphics) and mlterm (sixel), at 200x60 cells. After the first picture is drawn the screen is captured (the undamaged frame); then each
# key sequence is typed and the screen captured again:
#   z z | t t | t (the Chinese prompt stays for the rest) | tab x8 | j x3 then k x3 (back to the first item) | S S (statistics, closed) | ? ? (help, closed)
# The picture pane's region must match the undamaged frame (PSNR >= MIN_PSNR, default 35 dB) and the
# text pane's region must not be blank (at least 60% of the first frame's non-background pixels). The
# sequences run one after another in one window, so damage left by one shows in the next too. Keys are written to the screen's pseudo-terminal through
# `termshot pty` (no X input tool needed).
#
# Needs: Xvfb xterm kitty mlterm imagemagick (import). Called by perf/terminals.sh; alone:
#   perf/review-screens.sh [MIN_PSNR]   LOUPE=binary DEMO=dir QUEUE=demo KEEP=dir WAIT=seconds ONLY=regex
set -uo pipefail
cd "$(dirname "$0")/.."
min=${1:-35}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
for t in Xvfb import; do
  command -v $t >/dev/null || { echo "review-screens.sh: $t is not installed"; exit 2; }
done
loupe=${LOUPE:-}
if [ -z "$loupe" ]; then
  loupe="$work/loupe"
  go build -o "$loupe" . || exit 1
fi
go build -o "$work/termshot" ./perf/termshot || exit 1
demo=${DEMO:-/tmp/loupe-demo}
[ -f "$demo/loupe.db" ] || "$loupe" demo --no-open --dir "$demo" >/dev/null || exit 1
export DISPLAY=:96
Xvfb $DISPLAY -screen 0 1700x1200x24 -nolisten tcp >/dev/null 2>&1 &
sleep 2
kill -0 $! 2>/dev/null || { echo "review-screens.sh: Xvfb $DISPLAY did not start (a stale /tmp/.X${DISPLAY#:}-lock?)"; exit 2; }
wait_s=${WAIT:-4}

# Regions, as fractions of the window: the picture pane (left 80 of 200 columns, 59 of 60 rows) and the
# text pane (right of the separator, above the status bar).
pic="0 0 0.395 0.98"
txt="0.41 0 1 0.98"

# open TERMINAL PROTOCOL: start the review screen in a fresh window; keys go to $work/keys.
open_term() {
  local term=$1 proto=$2
  rm -f "$work/keys"; mkfifo "$work/keys"
  local run="printf '\033[?25l\033[H\033[2J'; exec $work/termshot pty $work/keys $loupe review --db $demo/loupe.db --annotator screens --queue ${QUEUE:-demo} --protocol $proto"
  case $term in
    xterm) xterm -geometry 200x60+0+0 -ti vt340 -xrm 'XTerm*decTerminalID: vt340' \
             -xrm 'XTerm*numColorRegisters: 256' -xrm 'XTerm*allowWindowOps: true' \
             -fa 'DejaVu Sans Mono' -fs 10 -bg '#ff00ff' -e bash -c "$run" & ;;
    kitty) kitty --config NONE -o font_size=10 -o cursor_blink_interval=0 -o background='#ff00ff' \
             -o window_padding_width=0 -o initial_window_width=200c -o initial_window_height=60c \
             -o remember_window_size=no bash -c "$run" >/dev/null 2>&1 & ;;
    mlterm) mlterm --geometry=200x60+0+0 --bg='#ff00ff' -e bash -c "$run" >/dev/null 2>&1 & ;;
  esac
  term_pid=$!
  sleep "$wait_s"
}

# keys STRING...: type each string, a moment apart.
keys() {
  for k in "$@"; do
    # a terminal that never opened (a stale X lock, a crash) has no reader on the FIFO: do not wait forever
    if ! timeout 10 bash -c 'printf "%b" "$1" >"$2"' _ "$k" "$work/keys"; then
      echo "review-screens.sh: the $term window takes no keys (did it open? is DISPLAY $DISPLAY up?)"
      exit 1
    fi
    sleep 0.4
  done
  sleep "$wait_s"
}

shot() { import -window root "$work/$1.png" 2>/dev/null; [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$work/$1.png" "$KEEP/"; }

fail=0
printf '%-8s %-22s %-16s %s\n' terminal sequence "picture PSNR dB" "text pane ink"
for tp in xterm:sixel kitty:kitty mlterm:sixel; do
  term=${tp%%:*} proto=${tp#*:}
  command -v "$term" >/dev/null || continue
  [[ -z "${ONLY:-}" || "$term" =~ $ONLY || "loupe" =~ $ONLY ]] || continue
  open_term "$term" "$proto"
  base="review-$term-0-start"
  shot "$base"
  q=$("$work/termshot" region "$work/$base.png" "$work/$base.png" $txt 2>&1)
  base_ink=${q##* }
  seqs=(
    "z z|z|z"
    "t t|t|t"
    "t (Chinese shown)|t"
    "tab x8|\t|\t|\t|\t|\t|\t|\t|\t"
    "j x3, k x3|j|j|j|k|k|k"
    "S, S (closed)|S|S"
    "?, ? (closed)|?|?"
  )
  # Zoomed, the picture fills the window (at 200x60 in xterm it is over 1000 px tall: xterm's sixel
  # limit, which the picture must be scaled to).
  keys z
  shot "review-$term-zoomed"
  q=$("$work/termshot" region "$work/$base.png" "$work/review-$term-zoomed.png" 0 0 1 0.98 2>&1)
  zink=${q##* } verdict=ok
  awk -v k="$zink" 'BEGIN{exit !(k+0 > 0.4)}' || { verdict="FAIL (no zoomed picture)"; fail=1; }
  printf '%-8s %-22s %-16s %-8s %s\n' "$term" "z (zoomed)" "-" "$zink" "$verdict"
  keys z
  i=1
  for s in "${seqs[@]}"; do
    IFS='|' read -r -a parts <<<"$s"
    label=${parts[0]}
    keys "${parts[@]:1}"
    name="review-$term-$i-$(echo "$label" | tr -c 'a-z0-9' '_')"
    shot "$name"
    p=$("$work/termshot" region "$work/$base.png" "$work/$name.png" $pic 2>&1)
    q=$("$work/termshot" region "$work/$base.png" "$work/$name.png" $txt 2>&1)
    psnr=${p%% *} ink=${q##* }
    verdict=ok
    awk -v p="$psnr" -v m="$min" 'BEGIN{exit !(p+0 >= m+0)}' || { verdict=FAIL; fail=1; }
    # The text changes (tab moves the focus): it must keep most of the first frame's ink, not vanish.
    awk -v k="$ink" -v b="$base_ink" 'BEGIN{exit !(k+0 > 0.6*b && k+0 > 0.005)}' || { verdict="FAIL (text pane blank)"; fail=1; }
    printf '%-8s %-22s %-16s %-8s %s\n' "$term" "$label" "$psnr" "$ink" "$verdict"
    i=$((i + 1))
  done
  printf 'q' >"$work/keys"; sleep 0.5
  kill "$term_pid" 2>/dev/null; wait "$term_pid" 2>/dev/null
done
exit $fail
