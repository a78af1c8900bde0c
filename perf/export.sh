#!/bin/sh
# export.sh - loupe export throughput: 100,000 items from generated FLUX-Reason-6M shards to WebDataset,
# against a plain cat of the same shard bytes; peak RSS from /usr/bin/time. Usage: perf/export.sh [DIR]
set -eu
dir=${1:-/tmp/loupe-export-bench}
rows=${ROWS:-5000}
shards=${SHARDS:-20}
size=${SIZE:-384}
mkdir -p "$dir"
go build -o "$dir/loupe" .
if [ ! -d "$dir/shards" ]; then
	"$dir/loupe" demo gen --out "$dir/shards" --shards "$shards" --rows "$rows" --image-size "$size" --image-pool 500 >/dev/null
fi
rm -f "$dir/w.db"* && "$dir/loupe" --db "$dir/w.db" import "$dir/shards" -q
sync
bytes=$(du -cb "$dir"/shards/*/*.parquet | tail -1 | cut -f1)
t0=$(date +%s.%N); cat "$dir"/shards/*/*.parquet > "$dir/cat.out"; sync; t1=$(date +%s.%N)
rm -f "$dir/cat.out"
rm -rf "$dir/wds"
/usr/bin/time -v "$dir/loupe" --db "$dir/w.db" --json export --format webdataset --out "$dir/wds" --quiet > "$dir/export.json" 2> "$dir/time.txt"
sync; t2=$(date +%s.%N)
img=$(sed -n 's/.*"image_bytes": \([0-9]*\).*/\1/p' "$dir/export.json")
secs=$(sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p' "$dir/export.json")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt")
awk -v b="$bytes" -v i="$img" -v s="$secs" -v c0="$t0" -v c1="$t1" -v r="$rss" 'BEGIN {
	cat = c1 - c0
	printf "shards %.0f MB, image bytes %.0f MB\n", b/1e6, i/1e6
	printf "export: %.1f s, %.0f MB/s of image data; cat of the shards: %.1f s, %.0f MB/s; export/cat throughput ratio %.2f\n", s, i/1e6/s, cat, b/1e6/cat, (i/s)/(b/cat)
	printf "peak RSS %.0f MB\n", r/1024
}'
rm -rf "$dir/wds"
