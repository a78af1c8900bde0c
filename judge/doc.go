// Package judge calls VLM judges, FLUX-Reason pipeline steps and image generators through
// OpenAI-compatible APIs, plus offline judges. It arrives with the judge-backends issue; verdicts made
// elsewhere are already imported by ingest (PRISM-Bench official outputs) and parsed by dataset.ParseVerdict.
package judge
