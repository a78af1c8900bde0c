#!/bin/sh
# export.sh - loupe export throughput: every item of generated FLUX-Reason-6M shards (384 px JPEGs) to
# WebDataset, against `cat` copying the same shard files to one file (both ending with their data on
# disk: cat is followed by sync, the export fsyncs its shards), with the shards in the page cache
# (cached: read twice first) and out of it (cold: evicted with posix_fadvise DONTNEED, perf/evict).
# Each run times cat cached, the export cached, cat cold and the export cold, interleaved; the ratio is
# (export MB/s of image data) / (cat MB/s of shard bytes), the measure of issue #16. Prints each run,
# then min/median/max of both ratios and the largest peak RSS (/usr/bin/time). Each export's processor
# time (user + system seconds) is printed too: on a shared machine it varies less than the wall clock.
#
# Usage: perf/export.sh [DIR]   (default /tmp/loupe-export-bench; the shards are generated once there)
#   SHARDS=20 ROWS=5000 SIZE=384   the generated set (100,000 items); a smaller one while iterating
#                                  (e.g. ROWS=1000), in another DIR: an existing DIR/shards is reused
#   RUNS=3                         interleaved runs
#   LOUPE=path                     use this binary instead of building one
#   FORMAT=webdataset              the export format
set -eu
cd "$(dirname "$0")/.."
dir=${1:-/tmp/loupe-export-bench}
rows=${ROWS:-5000}
shards=${SHARDS:-20}
size=${SIZE:-384}
runs=${RUNS:-3}
format=${FORMAT:-webdataset}
mkdir -p "$dir"
loupe=${LOUPE:-}
if [ -z "$loupe" ]; then
	loupe="$dir/loupe"
	go build -o "$loupe" .
fi
go build -o "$dir/evict" ./perf/evict
if [ ! -d "$dir/shards" ]; then
	"$loupe" demo gen --out "$dir/shards" --shards "$shards" --rows "$rows" --image-size "$size" --image-pool 500 >/dev/null
fi
rm -f "$dir/w.db"* && "$loupe" --db "$dir/w.db" import "$dir/shards" -q
sync
bytes=$(du -cb "$dir"/shards/*/*.parquet | tail -1 | cut -f1)
now() { date +%s.%N; }
warm() { cat "$dir"/shards/*/*.parquet >/dev/null; cat "$dir"/shards/*/*.parquet >/dev/null; }
cold() { sync; "$dir/evict" "$dir/shards" "$dir/w.db"; }
# catrun prints the seconds of a cat of the shards to one file, synced.
catrun() {
	t0=$(now)
	cat "$dir"/shards/*/*.parquet >"$dir/cat.out"
	sync
	t1=$(now)
	rm -f "$dir/cat.out"
	sync
	echo "$t0 $t1" | awk '{ printf "%.4f", $2 - $1 }'
}
# exportrun prints the export's seconds, its image bytes, its peak RSS (KB) and its processor seconds.
exportrun() {
	rm -rf "$dir/out"
	sync
	/usr/bin/time -v "$loupe" --db "$dir/w.db" --json export --format "$format" --out "$dir/out" --quiet >"$dir/export.json" 2>"$dir/time.txt"
	img=$(sed -n 's/.*"image_bytes": \([0-9]*\).*/\1/p' "$dir/export.json")
	secs=$(sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p' "$dir/export.json")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt")
	usr=$(sed -n 's/.*User time (seconds): //p' "$dir/time.txt")
	sys=$(sed -n 's/.*System time (seconds): //p' "$dir/time.txt")
	rm -rf "$dir/out"
	sync
	echo "$secs $img $rss $(echo "$usr $sys" | awk '{ printf "%.2f", $1 + $2 }')"
}
: >"$dir/runs.txt"
i=1
while [ "$i" -le "$runs" ]; do
	warm
	cc=$(catrun)
	warm
	ec=$(exportrun)
	cold
	ck=$(catrun)
	cold
	ek=$(exportrun)
	echo "$cc $ec $ck $ek" >>"$dir/runs.txt"
	i=$((i + 1))
done
awk -v b="$bytes" -v format="$format" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function lo(a, n,   i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] < m) m = a[i]; return m }
function hi(a, n,   i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] > m) m = a[i]; return m }
{
	n++
	cc = $1; es = $2; img = $3; rc = $4; uc = $5; ck = $6; ek = $7; rk = $9; uk = $10
	rcached[n] = (img/es) / (b/cc); rcold[n] = (img/ek) / (b/ck)
	if (rc > rss) rss = rc; if (rk > rss) rss = rk
	printf "run %d  cached: cat %.2f s (%.0f MB/s), export %.2f s (%.0f MB/s of images, cpu %.1f s), ratio %.2f   cold: cat %.2f s (%.0f MB/s), export %.2f s (%.0f MB/s, cpu %.1f s), ratio %.2f   peak RSS %.0f / %.0f MB\n",
		n, cc, b/1e6/cc, es, img/1e6/es, uc, rcached[n], ck, b/1e6/ck, ek, img/1e6/ek, uk, rcold[n], rc/1024, rk/1024
	images = img
}
END {
	printf "%s: shards %.0f MB, image bytes %.0f MB, %d runs\n", format, b/1e6, images/1e6, n
	printf "export/cat throughput ratio  cached: min %.2f median %.2f max %.2f   cold: min %.2f median %.2f max %.2f\n",
		lo(rcached, n), median(rcached, n), hi(rcached, n), lo(rcold, n), median(rcold, n), hi(rcold, n)
	printf "peak RSS %.0f MB (largest of the runs)\n", rss/1024
}' "$dir/runs.txt"
