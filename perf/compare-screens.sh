#!/usr/bin/env bash
# The comparison screen (a pair queue in `loupe review`) in real terminals under Xvfb: xterm (vt340,
# sixel), kitty (kitty graphics) and mlterm (sixel), at 200x60 cells, on a fresh pair queue of the demo
# workspace asking two questions (alignment, aesthetics). After the first pair's two pictures are drawn
# the screen is captured; then key sequences are typed and the screen captured again:
#   ? ? (help, closed) | tab tab (focus moves between the questions) | n, a note, enter |
#   1 1 (both questions answered: the next pair) | k (back to the first pair, now revealed) |
#   the window resized to 3/4 of its size, then back (with xdotool, when installed)
# Where the pair on screen is the first one, each picture's region must match the first frame (PSNR >=
# MIN_PSNR, default 35 dB); on the next pair, both halves must hold a picture (at least 40% of the
# region not background). Keys go to the screen's pseudo-terminal through `termshot pty`.
#
# Needs: Xvfb xterm kitty mlterm imagemagick (import); xdotool for the resize. Called by perf/terminals.sh; alone:
#   perf/compare-screens.sh [MIN_PSNR]   LOUPE=binary DEMO=dir KEEP=dir WAIT=seconds ONLY=regex
set -uo pipefail
cd "$(dirname "$0")/.."
min=${1:-35}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
for t in Xvfb import; do
  command -v $t >/dev/null || { echo "compare-screens.sh: $t is not installed"; exit 2; }
done
loupe=${LOUPE:-}
if [ -z "$loupe" ]; then
  loupe="$work/loupe"
  go build -o "$loupe" . || exit 1
fi
go build -o "$work/termshot" ./perf/termshot || exit 1
demo=${DEMO:-/tmp/loupe-demo}
[ -f "$demo/loupe.db" ] || "$loupe" demo --no-open --dir "$demo" >/dev/null || exit 1
# a private copy of the workspace, so the answers typed here stay out of the demo
cp "$demo/loupe.db" "$work/w.db" || exit 1
"$loupe" --db "$work/w.db" sample --pairs --name screens --models aurora-xl,pixelsmith-2 --dimensions alignment,aesthetics \
  --seed 5 >/dev/null || exit 1
export DISPLAY=:95
Xvfb $DISPLAY -screen 0 1700x1200x24 -nolisten tcp >/dev/null 2>&1 &
sleep 2
kill -0 $! 2>/dev/null || { echo "compare-screens.sh: Xvfb $DISPLAY did not start (a stale /tmp/.X${DISPLAY#:}-lock?)"; exit 2; }
wait_s=${WAIT:-4}

# The two pictures' regions, as fractions of the window (inside each half, below the prompt, above the
# line under the pictures that the reveal fills in).
left="0.04 0.14 0.46 0.74"
right="0.54 0.14 0.96 0.74"

open_term() {
  local term=$1 proto=$2
  rm -f "$work/keys"; mkfifo "$work/keys"
  local run="printf '\033[?25l\033[H\033[2J'; exec $work/termshot pty $work/keys $loupe review --db $work/w.db --annotator screens-$term --queue screens --protocol $proto"
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

keys() {
  for k in "$@"; do
    if ! timeout 10 bash -c 'printf "%b" "$1" >"$2"' _ "$k" "$work/keys"; then
      echo "compare-screens.sh: the $term window takes no keys (did it open? is DISPLAY $DISPLAY up?)"
      exit 1
    fi
    sleep 0.4
  done
  sleep "$wait_s"
}

shot() { import -window root "$work/$1.png" 2>/dev/null; [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$work/$1.png" "$KEEP/"; }

# check NAME LABEL SAME: compare both pictures' regions of shot NAME with the first frame; SAME=1: they
# must match it, SAME=0 (another pair): each must hold a picture.
check() {
  local name=$1 label=$2 same=$3 verdict=ok out=""
  for r in "$left" "$right"; do
    q=$("$work/termshot" region "$work/$base.png" "$work/$name.png" $r 2>&1)
    psnr=${q%% *} ink=${q##* }
    out="$out $(printf '%-7s %-6s' "$psnr" "$ink")"
    if [ "$same" = 1 ]; then
      awk -v p="$psnr" -v m="$min" 'BEGIN{exit !(p+0 >= m+0)}' || { verdict=FAIL; fail=1; }
    else
      awk -v k="$ink" 'BEGIN{exit !(k+0 > 0.4)}' || { verdict="FAIL (no picture)"; fail=1; }
    fi
  done
  printf '%-8s %-26s %s  %s\n' "$term" "$label" "$out" "$verdict"
}

fail=0
printf '%-8s %-26s %-14s %-14s %s\n' terminal sequence "left dB ink" "right dB ink" verdict
for tp in xterm:sixel kitty:kitty mlterm:sixel; do
  term=${tp%%:*} proto=${tp#*:}
  command -v "$term" >/dev/null || continue
  [[ -z "${ONLY:-}" || "$term" =~ $ONLY || "loupe" =~ $ONLY ]] || continue
  open_term "$term" "$proto"
  base="compare-$term-0-start"
  shot "$base"
  check "$base" "first pair" 0
  keys '?' '?'; shot "compare-$term-1-help"; check "compare-$term-1-help" "? ? (help, closed)" 1
  keys '\t' '\t'; shot "compare-$term-2-tab"; check "compare-$term-2-tab" "tab tab" 1
  keys n 'both skies too dark' '\r'; shot "compare-$term-3-note"; check "compare-$term-3-note" "n, a note, enter" 1
  keys 1 1; shot "compare-$term-4-next"; check "compare-$term-4-next" "1 1 (next pair)" 0
  keys k; shot "compare-$term-5-back"; check "compare-$term-5-back" "k (first pair, revealed)" 1
  # Resized smaller (both pictures redrawn at the new size), then back (the first frame's pictures again).
  wid=$(command -v xdotool >/dev/null && xdotool search --onlyvisible --pid "$term_pid" 2>/dev/null | head -1)
  if [ -n "$wid" ]; then
    eval "$(xdotool getwindowgeometry --shell "$wid")"
    w0=$WIDTH h0=$HEIGHT
    xdotool windowsize "$wid" $((w0 * 3 / 4)) $((h0 * 3 / 4)); sleep "$wait_s"
    shot "compare-$term-6-small"; check "compare-$term-6-small" "resized to 3/4" 0
    xdotool windowsize "$wid" "$w0" "$h0"; sleep "$wait_s"
    shot "compare-$term-7-back"; check "compare-$term-7-back" "resized back" 1
  else
    printf '%-8s %-26s %s\n' "$term" "resize" "skipped (no xdotool, or the window was not found)"
  fi
  printf 'q' >"$work/keys"; sleep 0.5
  kill "$term_pid" 2>/dev/null; wait "$term_pid" 2>/dev/null
done
exit $fail
