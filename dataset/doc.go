// Package dataset reads and writes the outside formats loupe works with. It knows nothing of the
// workspace: it imports only review (for its types), dataset/fluxschema (the FLUX-Reason-6M columns)
// and dataset/synth (the demo data generator).
//
// What it holds:
//   - FLUX-Reason-6M Parquet shards: IndexShard reads the metadata columns of a whole shard with a
//     footer and page decoder of its own, in positioned reads of exactly their column chunks and no
//     read-ahead (flux.go, pqfooter.go, pqfast.go, pqranges.go, thrift.go); ReadRow fetches one row's
//     captions and picture on demand, reading only the pages that hold the row, keeping shards open and
//     checking them against their size and modification time (fluxrow.go, fluxread.go); ShardScanner walks a shard in row order
//     for exports (shardscan.go);
//   - PRISM-Bench folders: prompt files (ReadPrompts, prism.go); the official verdict files are read by
//     ingest and parsed by judge.ParseVerdict;
//   - JSONL manifests (ReadManifest) and what `loupe export` writes about an item, read back on import
//     (LoupeRecord, LoupeShardRow);
//   - pictures on disk: opening without blocking on FIFOs and devices, header checks, hashes and
//     fingerprints that tell a changed file (content.go, image.go);
//   - fake data for demos and tests in the published layouts: FLUX-Reason-6M rows (fluxgen.go) and
//     PRISM-Bench folders (prismgen.go), from the procedural generator in dataset/synth.
//
// Readers report rows or lines they skip as Problems and go on; they return an error only when the
// input as a whole cannot be read. A new import format starts here as a reader returning review types,
// and is wired into ingest.
package dataset
