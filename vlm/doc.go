// Package vlm is loupe's client for OpenAI-compatible chat-completions servers (OpenAI, vLLM, SGLang,
// Ollama, llama.cpp, LM Studio), shared by the judges (package judge), the pipeline steps (package
// pipeline) and the OpenAI image generator's configuration (package generate).
//
// What it holds:
//   - Backend: one named backend as the configuration file describes it, its defaults by kind
//     (Normalize), its API key read from the environment variable it names, and its prices;
//   - request building: pictures prepared for a backend (PreparePicture: sniffed, guarded against
//     decompression bombs, scaled and re-encoded when needed), bodies in the order and with the
//     settings of the backend's profile (Prepare), the data URL spliced into a marshalled body once
//     (SpliceImage), the content address of a request (RequestKey) and token estimates;
//   - Client: bounded concurrency, client-side rate limits that follow the server's headers (Limiter),
//     retries with backoff honouring Retry-After, and failures sorted into classes (CallError) from
//     every server's error-body shape (ErrorBody);
//   - Probe, the capability check behind `loupe backends test`;
//   - redaction of the API key from everything a call returns (Redactor).
//
// vlm knows nothing of verdicts, rubrics or the workspace, and imports nothing of loupe but the shared
// image guard and redaction helpers. Its test server is judge/judgetest.
package vlm
