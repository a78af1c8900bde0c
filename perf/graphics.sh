#!/usr/bin/env bash
# Side-by-side figures for loupe's terminal graphics: sixel against img2sixel, the text fallback against
# chafa, the kitty path's time, and (with --screens) the real-terminal screenshot checks.
# Needs, for the comparisons: apt-get install -y --no-install-recommends libsixel-bin chafa
# (and for --screens everything listed in perf/terminals.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== sixel: loupe vs img2sixel (decode + scale + encode, 1024 px sources shown at 480 px)"
go run ./perf/sixel
echo
echo "== text fallback: loupe blocks vs chafa --symbols all, 60x30 cells"
go run ./perf/blocks
echo
echo "== kitty: decoded 1024 px JPEG to bytes written, 60x30 cells (target < 15 ms)"
go test -run XXX -bench 'KittyInline|EncodeSixel|EncodeBlocks' -benchtime 20x ./termimg/ | grep -E '^Benchmark'
if [ "${1:-}" = "--screens" ]; then
  echo
  echo "== real terminals under Xvfb: photo, sign, shapes and fine-detail pictures (PSNR of the screenshot region vs the source)"
  perf/terminals.sh
fi
