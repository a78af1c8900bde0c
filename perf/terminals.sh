#!/usr/bin/env bash
# End-to-end check of `loupe view` in real terminals under Xvfb: xterm in vt340 mode (sixel, and text
# blocks), kitty (graphics protocol) and mlterm (sixel and iTerm2). Each picture is shown in a 60x30-cell
# box on a magenta background, the screen is captured, and the region showing the picture is compared
# with the source (PSNR, dB).
# The same pictures through img2sixel, chafa and kitty icat give the figures to beat, where installed.
#
# Needs: apt-get install -y --no-install-recommends xvfb xterm kitty mlterm imagemagick x11-utils \
#            libgl1-mesa-dri fonts-dejavu-core libsixel-bin chafa
# Then the review screen's key sequences (perf/review-screens.sh: picture kept at >= 35 dB, text not blank),
# the comparison screen's (perf/compare-screens.sh: both pictures kept, the next pair drawn),
# and the review screen over SSH (perf/serve-screens.sh: within 1 dB of the local screen; needs openssh-client).
# Usage: perf/terminals.sh [MIN_PSNR]   (exit 1 if a loupe check is below MIN_PSNR, default 20 dB)
#        The fine-detail picture (1-3 px lines, an 8 px checker, 2/4 px stripes, 16 px text) shown at 480 px
#        cannot be drawn, only averaged, so it has lower floors: MIN_DETAIL (default 24 dB) for sixel and
#        iTerm2, which loupe scales itself (img2sixel -w 480 reaches 27.0 dB in xterm), and MIN_DETAIL_CELLS
#        (default 10 dB) for text blocks and kitty, where cells or the terminal do the averaging (chafa
#        reaches 12.1 dB, kitty icat 12.7 dB; measured 2026-12, floors are those less 2-3 dB).
#        ONLY=REGEX limits the checks by label; KEEP=DIR keeps the screenshots; WAIT=S seconds per shot.
set -uo pipefail
cd "$(dirname "$0")/.."
min=${1:-20}
min_detail=${MIN_DETAIL:-24}
min_detail_cells=${MIN_DETAIL_CELLS:-10}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
for t in Xvfb xterm import; do
  command -v $t >/dev/null || { echo "terminals.sh: $t is not installed (see the header of this script)"; exit 2; }
done
go build -o "$work/loupe" . || exit 1
go run ./perf/termshot gen "$work/img" || exit 1
export DISPLAY=:97
Xvfb $DISPLAY -screen 0 1400x1000x24 -nolisten tcp >/dev/null 2>&1 &
sleep 2

# shoot TERMINAL NAME COMMAND: run COMMAND in a fresh terminal, capture the screen after it drew.
shoot() {
  local term=$1 name=$2 cmd=$3
  local run="printf '\033[?25l\033[H\033[2J'; $cmd; sleep 30"
  case $term in
    xterm) xterm -geometry 100x40+0+0 -ti vt340 -xrm 'XTerm*decTerminalID: vt340' \
             -xrm 'XTerm*numColorRegisters: 256' -xrm 'XTerm*allowWindowOps: true' \
             -fa 'DejaVu Sans Mono' -fs 10 -bg '#ff00ff' -e bash -c "$run" & ;;
    kitty) kitty --config NONE -o font_size=10 -o cursor_blink_interval=0 -o background='#ff00ff' -o window_padding_width=0 -o initial_window_width=1000 -o initial_window_height=800 -o remember_window_size=no bash -c "$run" >/dev/null 2>&1 & ;;
    mlterm) mlterm --geometry=100x40+0+0 --bg='#ff00ff' -e bash -c "$run" >/dev/null 2>&1 & ;;
  esac
  local pid=$!
  sleep "${WAIT:-5}"
  import -window root "$work/$name.png" 2>/dev/null
  kill $pid 2>/dev/null; wait $pid 2>/dev/null
}

fail=0
printf '%-34s %-8s %s\n' check image "PSNR dB (picture size in pixels)"
for img in photo sign shapes detail; do
  src="$work/img/$img.png"
  L="$work/loupe view --size 60x30 $src --protocol"
  checks=(
    "xterm|loupe sixel (xterm vt340)|$L sixel"
    "xterm|loupe blocks (xterm)|$L blocks --colors truecolor"
    "mlterm|loupe sixel (mlterm)|$L sixel"
    "mlterm|loupe iterm2 (mlterm)|$L iterm2"
  )
  command -v kitty >/dev/null && checks+=("kitty|loupe kitty (kitty)|$L kitty")
  command -v img2sixel >/dev/null && checks+=("xterm|img2sixel -w 480 (xterm)|img2sixel -w 480 $src")
  command -v chafa >/dev/null && checks+=("xterm|chafa symbols all (xterm)|chafa --symbols all -c full -s 60x30 $src")
  command -v kitty >/dev/null && checks+=("kitty|kitty icat (kitty)|kitty +kitten icat --place 60x30@0x0 $src")
  for c in "${checks[@]}"; do
    IFS='|' read -r term label cmd <<<"$c"
    command -v "$term" >/dev/null || continue
    [[ -z "${ONLY:-}" || "$label" =~ $ONLY ]] || continue
    shot_name="${img}-$(echo "$label" | tr -c 'a-z0-9' '_')"
    shoot "$term" "$shot_name" "$cmd"
    res=$(go run ./perf/termshot compare "$work/$shot_name.png" "$src" 2>&1)
    printf '%-34s %-8s %s\n' "$label" "$img" "$res"
    case $label in loupe*)
      psnr=${res%% *}
      thr=$min
      if [ "$img" = detail ]; then
        case $label in *blocks* | *kitty*) thr=$min_detail_cells ;; *) thr=$min_detail ;; esac
      fi
      if ! awk -v p="$psnr" -v m="$thr" 'BEGIN{exit !(p+0 >= m+0)}'; then fail=1; fi ;;
    esac
    if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$work/$shot_name.png" "$KEEP/"; fi
  done
done

# A bubbletea screen: picture pane beside a text pane redrawn every 100 ms; after a second the square
# picture is replaced by a wide one. The left pane must show only the wide picture: no leftovers.
go build -o "$work/panedemo" ./perf/panedemo || exit 1
go run ./perf/termshot wide "$work/img/sign.png" "$work/img/wide.png"
for proto in sixel blocks kitty; do
  term=xterm; [ "$proto" = kitty ] && term=kitty
  command -v $term >/dev/null || continue
  [[ -z "${ONLY:-}" || "tui $proto" =~ $ONLY || "loupe" =~ $ONLY ]] || continue
  WAIT=4 shoot $term "tui-$proto" "COLORTERM=truecolor $work/panedemo $proto $work/img/photo.png $work/img/wide.png"
  res=$(go run ./perf/termshot compare "$work/tui-$proto.png" "$work/img/wide.png" 484 480 2>&1)
  printf '%-34s %-8s %s\n' "tui pane, $proto ($term)" wide "$res"
  psnr=${res%% *}
  awk -v p="$psnr" -v m="$min" 'BEGIN{exit !(p+0 >= m+0)}' || fail=1
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$work/tui-$proto.png" "$KEEP/"; fi
done
# The review screen: key sequences (zoom, caption language, score focus, moves, overlays) must leave the
# picture and the text pane intact (perf/review-screens.sh, PSNR >= 35 dB against the first frame).
if [[ -z "${ONLY:-}" || "review" =~ $ONLY || "loupe" =~ $ONLY ]]; then
  LOUPE="$work/loupe" perf/review-screens.sh 35 || fail=1
fi
# The comparison screen of a pair queue: two pictures side by side kept through the overlays and keys
# that do not change the pair, the next pair drawn in both halves (perf/compare-screens.sh).
if [[ -z "${ONLY:-}" || "compare" =~ $ONLY || "loupe" =~ $ONLY ]]; then
  LOUPE="$work/loupe" perf/compare-screens.sh 35 || fail=1
fi
# The review screen over SSH (loupe serve, protocol detected through ssh) in xterm and kitty: the
# picture's PSNR within 1 dB of the same screen run locally (perf/serve-screens.sh).
if [[ -z "${ONLY:-}" || "serve" =~ $ONLY || "ssh" =~ $ONLY || "loupe" =~ $ONLY ]]; then
  LOUPE="$work/loupe" perf/serve-screens.sh "$min" || fail=1
fi
exit $fail
