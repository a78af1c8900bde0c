// Package export writes curated subsets - JSONL, CSV, Parquet in the FLUX-Reason-6M layout, the hub
// image-folder layout and WebDataset tar shards - from records the workspace query produces (filter
// and provenance are the caller's). Every file is written under a temporary name and renamed when
// complete; file names derived from ids cannot leave the output folder.
package export
