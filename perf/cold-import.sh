#!/bin/sh
# cold-import.sh - `loupe import` of FLUX-Reason-6M shards from a cold page cache (issue #16): wall time
# and bytes read from the disk, against DuckDB reading the same columns from the same files, cold too;
# then one `loupe show-item` from cold (one row's captions and picture, read on demand).
#
# Each run evicts the shards from the page cache (posix_fadvise DONTNEED, perf/evict), then runs the
# command under perf/procio, which reports wall time and read_bytes from /proc/PID/io (what the kernel
# fetched from the device for the process). fincore (util-linux) tells how much of the shards the import
# left resident. perf/pqsize gives the yardsticks: the compressed size of the columns the import reads
# (id, score_*, bool_caption_*) and of the footers, and one row's compressed share of its row group.
#
# Usage: perf/cold-import.sh [DIR]   (default /tmp/loupe-cold; the shards are generated once there)
#   SHARDS=4 ROWS=2500 SIZE=1024 ROW_GROUPS=25   the generated set (about 700 MB; 100-row row groups).
#                      The published-size comparison is SHARDS=20 ROWS=5000 ROW_GROUPS=50 (about 15 GB:
#                      minutes to write, and it must fit the disk).
#   RUNS=3             runs of each (loupe, DuckDB), interleaved
#   DUCKDB=/tmp/duckdb a folder where `npm install @duckdb/node-api` was run; DuckDB is skipped without it
#   LOUPE=path         use this binary instead of building one
# The DuckDB query (tuned: preserve_insertion_order=false) reads what the import reads:
#   CREATE TABLE t AS SELECT id, COLUMNS('^score_'), COLUMNS('^bool_caption_') FROM read_parquet(...)
set -eu
cd "$(dirname "$0")/.."
dir=${1:-/tmp/loupe-cold}
shards=${SHARDS:-4}
rows=${ROWS:-2500}
size=${SIZE:-1024}
groups=${ROW_GROUPS:-$(( (rows + 99) / 100 ))}
runs=${RUNS:-3}
duck=${DUCKDB:-/tmp/duckdb}
data="$dir/shards-${shards}x${rows}-${size}px-${groups}g"
mkdir -p "$dir"
loupe=${LOUPE:-}
if [ -z "$loupe" ]; then
	loupe="$dir/loupe"
	go build -o "$loupe" .
fi
go build -o "$dir/evict" ./perf/evict
go build -o "$dir/procio" ./perf/procio
go build -o "$dir/pqsize" ./perf/pqsize
if [ ! -f "$data/done" ]; then
	rm -rf "$data"
	echo "generating $shards x $rows rows at $size px in $groups row groups a shard into $data ..."
	"$loupe" demo gen --out "$data" --shards "$shards" --rows "$rows" --image-size "$size" --row-groups "$groups" >/dev/null
	sync
	touch "$data/done"
fi
sizes=$("$dir/pqsize" "$data")
echo "set: $sizes"
meta=$(echo "$sizes" | sed 's/.*metadata_columns_compressed \([0-9]*\).*/\1/')
footers=$(echo "$sizes" | sed 's/.*footers \([0-9]*\).*/\1/')

have_duck=0
if command -v node >/dev/null && [ -d "$duck/node_modules/@duckdb/node-api" ]; then
	have_duck=1
	cat >"$duck/cold-import.mjs" <<'EOF'
import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run("SET preserve_insertion_order=false");
const dir = process.argv[2];
await c.run(`CREATE TABLE t AS SELECT id, COLUMNS('^score_'), COLUMNS('^bool_caption_') FROM read_parquet('${dir}/**/*.parquet')`);
const r = await c.runAndReadAll("SELECT count(*) FROM t");
console.log("duckdb rows", r.getRows()[0][0]);
EOF
else
	echo "DuckDB: no $duck/node_modules/@duckdb/node-api (cd $duck && npm install @duckdb/node-api); skipped"
fi

# field NAME LINE: the number after NAME in procio's line
field() { echo "$2" | sed "s/.*$1 \([0-9.]*\).*/\1/"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: >"$dir/loupe.txt"
: >"$dir/duck.txt"
for i in $(seq "$runs"); do
	rm -f "$dir/w.db" "$dir/w.db-wal" "$dir/w.db-shm"
	"$dir/evict" "$data"
	line=$("$dir/procio" -- "$loupe" --db "$dir/w.db" import "$data" 2>&1 >/dev/null | grep '^procio:')
	resident=$(fincore -b -n -o RES "$data"/*/*.parquet 2>/dev/null | awk '{s+=$1} END {print s+0}')
	echo "run $i loupe:  $line  resident_after $resident"
	echo "$(field wall "$line") $(field read_bytes "$line")" >>"$dir/loupe.txt"
	if [ $have_duck = 1 ]; then
		"$dir/evict" "$data"
		line=$(cd "$duck" && "$dir/procio" -- node cold-import.mjs "$data" 2>&1 >/dev/null | grep '^procio:')
		echo "run $i duckdb: $line"
		echo "$(field wall "$line") $(field read_bytes "$line")" >>"$dir/duck.txt"
	fi
done
lw=$(cut -d' ' -f1 "$dir/loupe.txt" | median)
lb=$(cut -d' ' -f2 "$dir/loupe.txt" | median)
echo "loupe import cold: median ${lw}s, read ${lb} bytes = $(awk "BEGIN {printf \"%.2f\", $lb/$meta}")x the metadata columns (${meta} bytes; footers ${footers} bytes more)"
if [ $have_duck = 1 ]; then
	dw=$(cut -d' ' -f1 "$dir/duck.txt" | median)
	db=$(cut -d' ' -f2 "$dir/duck.txt" | median)
	echo "duckdb tuned cold: median ${dw}s, read ${db} bytes"
	echo "ratio loupe/duckdb: time $(awk "BEGIN {printf \"%.2f\", $lw/$dw}"), bytes $(awk "BEGIN {printf \"%.2f\", $lb/$db}")"
fi

# One item from cold: a row in the middle of the first shard.
shard=$(ls "$data"/*/*-00000-of-*.parquet | head -n 1)
subset=$(basename "$shard" | sed 's/^fluxdb-\(.*\)-00000-of-.*/\1/')
row=$((rows / 2 + 37))
id=$(printf '%s-%08d' "$subset" "$row")
"$dir/evict" "$data"
line=$("$dir/procio" -- "$loupe" --db "$dir/w.db" show-item "$id" 2>&1 >/dev/null | grep '^procio:')
share=$("$dir/pqsize" -row "$row" "$shard" | grep '^row ')
footer=$("$dir/pqsize" "$shard" | sed 's/.*footers \([0-9]*\).*/\1/')
echo "show-item $id cold: $line"
echo "  $share; footer $footer bytes"
rb=$(field read_bytes "$line")
rs=$(echo "$share" | sed 's/.*share of the group \([0-9]*\) bytes.*/\1/')
# the target: read <= 2x the row's share plus the footer (the footer is now parsed lazily, so often less of it is read)
echo "  read $(awk "BEGIN {printf \"%.2f\", $rb/(2*$rs+$footer)}")x the target bound 2 x row share + footer (target <= 1)"
