// Package llmfake runs local HTTP servers that speak the wire formats of
// model providers, so that tests can drive the real langchaingo clients
// without a network or a model: the OpenAI chat completions API (which
// Ollama and vLLM also serve), and the Anthropic messages API.
//
// A test hands a server a [Handler] that sees each decoded request and
// scripts the reply: choices with text or tool calls, token usage, an
// error status with headers such as Retry-After, a delay, or a raw body.
// The server counts the requests it received, so tests can count model
// calls instead of timing them.
//
// Servers listen on 127.0.0.1 only. A Server is safe for concurrent use.
package llmfake
