// Package judge holds what loupe's judges are made of. So far: the PRISM-Bench rubrics - loupe's own
// wording (Builtin) and the official text read from a user's copy of the official evaluation script
// (ParseOfficial) - filled like Python's str.format and hashed so verdicts record which text made them.
// The backends that call VLMs (OpenAI-compatible APIs) and the offline judges come with the
// judge-backends issue; official verdict files are already imported by ingest and parsed by
// dataset.ParseVerdict.
package judge
