// Package predictorflag gives commands one set of flags that choose any
// predictor the module ships: the offline default, a trained classifier
// saved to a file, a model behind an LLM endpoint, or a chain of them,
// with a saved calibration applied on top. examples/replay and
// examples/evaluate use it so that both take the same flags and say the
// same things about bad ones.
//
// The kinds: offline is heuristic.New(), with -offline-without turning
// off its embedded need or intent model; model loads textclass models
// (-model FIELD=FILE); llm builds an llm.Predictor on a langchaingo client
// for OpenAI and compatible servers, Ollama, or Anthropic, with the API
// key read from the environment variable -llm-key-env names (never from a
// flag's value, which would show in process lists and shell history); a
// chain asks each in turn for the fields the ones before left open or
// answered below -chain-threshold, and a failing model endpoint leaves
// its fields to the rest. -calibration applies a predict.Calibration to
// whatever was built. Flags and Env are not safe for concurrent use; the
// predictors Build returns are.
package predictorflag
