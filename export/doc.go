// Package export writes curated subsets (JSONL, CSV, Parquet, hub-dataset layout, WebDataset) from a
// filter over the workspace. It arrives with the export issue.
package export
