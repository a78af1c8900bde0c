#!/bin/sh
# htmlshot.sh REPORT.html [OUT.png] [HEIGHT] - screenshot a loupe HTML report with headless Chromium,
# offline (no network features), at 1280 px wide, to look at the layout.
set -eu
in=${1:?usage: htmlshot.sh REPORT.html [OUT.png] [HEIGHT]}
out=${2:-${in%.html}.png}
height=${3:-2400}
bin=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$bin" ] || { echo "htmlshot: no chromium found (apt-get install -y chromium)" >&2; exit 1; }
abs=$(cd "$(dirname "$in")" && pwd)/$(basename "$in")
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$bin" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
	--user-data-dir="$profile" --screenshot="$out" --window-size=1280,"$height" "file://$abs" >/dev/null 2>&1
echo "$out"
