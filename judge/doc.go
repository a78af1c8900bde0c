// Package judge makes VLM verdicts on pictures against their prompts, the PRISM-Bench way.
//
// What it holds:
//   - rubrics: loupe's own wording (Builtin) and the official text read from a user's copy of the
//     official evaluation script (ParseOfficial), filled like Python's str.format and hashed so a verdict
//     records which text made it;
//   - the Judge interface and its implementations: HTTPJudge (a VLM behind an OpenAI-compatible backend)
//     and OfflineJudge (the OCR and rules judges: no network, alignment only, skipping prompts they
//     cannot check); New picks one for a configured vlm.Backend, and Build makes a task's request
//     (the filled rubric, the picture and the verdict schema);
//   - Interpret, which reads an answer as a verdict (refusals and content filters are failed verdicts),
//     and ParseVerdict, the verdict text parsed as leniently as the reference scripts;
//   - Runner, which runs tasks with bounded concurrency, a response cache, a cost limit and a graceful
//     stop that keeps every answer already paid for;
//   - batch files (BatchWriter, ReadBatchResults) for providers' batch APIs;
//   - the pairwise judge (pairwise.go): BuiltinPairs rubrics, BuildPair/BuildPairBoth (two pictures, both
//     orders, to measure position bias), ParsePairVerdict/InterpretPair, CombinePair, and
//     ScorePreference, the free judge derived from two absolute scores.
//
// The OpenAI-compatible client (backends, retries, rate limits, picture splicing) is package vlm,
// which the pipeline and the generators share. A new judge backend is a new kind in vlm when it
// speaks chat completions, or a new Judge implementation returned by New when it does not. judge knows
// nothing of the workspace: storing verdicts is the caller's.
package judge
