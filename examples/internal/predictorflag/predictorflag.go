package predictorflag

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/llm"
	"github.com/caseagent/caseagent/predict/textclass"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/openai"
)

// The kinds of predictor Build makes, and what they are chained into.
const (
	Offline = "offline"
	Model   = "model"
	LLM     = "llm"
	Chain   = "chain"
)

// DefaultChain is what -predictor chain means without -chain: the
// classifier where it is confident, the offline predictor for the rest.
const DefaultChain = Model + "," + Offline

// The providers -llm-provider accepts.
const (
	OpenAI    = "openai"
	Anthropic = "anthropic"
	Ollama    = "ollama"
)

// UsageError is a bad flag or a bad combination of flags.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error { return &UsageError{fmt.Sprintf(format, args...)} }

// Flags are the flags' values. The zero value with Kind set is usable. A
// Flags is not safe for concurrent use.
type Flags struct {
	// Kind is -predictor: offline, model, llm, chain, or a chain spelt
	// out as a comma-separated list of the first three ("model,offline").
	Kind string
	// Chain is -chain, the list -predictor chain stands for.
	Chain string
	// Models are the -model values: FIELD=FILE, or FILE alone (see Build).
	Models []string
	// Trained are classifiers the command trained itself, by field: the
	// model predictor asks them as it asks those of -model.
	Trained map[string]*textclass.Model
	// Threshold is -chain-threshold: in a chain, an answer below it is
	// left to the next predictor.
	Threshold float64
	// LLMProvider, LLMURL and LLMModel choose the model endpoint, and
	// LLMKeyEnv names the environment variable holding its API key.
	LLMProvider, LLMURL, LLMModel, LLMKeyEnv string
	// Calibration is -calibration, a file saved by predict.Calibration.Save.
	Calibration string
	// OfflineWithout is -offline-without: the offline predictor's
	// embedded models to turn off, "need" and "intent".
	OfflineWithout []string
}

type listValue struct{ l *[]string }

func (v listValue) String() string {
	if v.l == nil {
		return ""
	}
	return strings.Join(*v.l, ",")
}

func (v listValue) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*v.l = append(*v.l, p)
		}
	}
	return nil
}

// Register defines the flags on fs, with def as the default -predictor
// and extra naming the command's own kinds for the usage text.
func Register(fs *flag.FlagSet, def, extra string) *Flags {
	f := &Flags{}
	kinds := "offline (the default predictor), model (a classifier saved to -model), llm (a model at an LLM endpoint), chain (-chain), or a list such as model,offline"
	if extra != "" {
		kinds = extra + "; " + kinds
	}
	fs.StringVar(&f.Kind, "predictor", def, "the predictor: "+kinds)
	fs.StringVar(&f.Chain, "chain", DefaultChain, "the predictors -predictor chain asks in turn, each for what the ones before left open or unsure")
	fs.Var(listValue{&f.Models}, "model", "a classifier saved by examples/evaluate -save, as `FIELD=FILE` (repeat or separate with commas)")
	fs.Float64Var(&f.Threshold, "chain-threshold", 0.5, "in a chain, answers less confident than this are left to the next predictor")
	fs.StringVar(&f.LLMProvider, "llm-provider", OpenAI, "the LLM endpoint's API: openai, anthropic or ollama")
	fs.StringVar(&f.LLMURL, "llm-url", "", "the LLM endpoint's base URL (default: the provider's; http://localhost:11434/v1 for ollama)")
	fs.StringVar(&f.LLMModel, "llm-model", "", "the model's name at the LLM endpoint")
	fs.StringVar(&f.LLMKeyEnv, "llm-key-env", "", "the environment `variable` that holds the API key (default OPENAI_API_KEY or ANTHROPIC_API_KEY; none for ollama)")
	fs.Var(listValue{&f.OfflineWithout}, "offline-without", "turn off the offline predictor's embedded models, to measure what they bring: `need`, intent (repeat or separate with commas)")
	fs.StringVar(&f.Calibration, "calibration", "", "apply a calibration saved by examples/evaluate -fit-calibration to the predictor's confidence")
	return f
}

// Kinds returns the predictors Kind names, in order: one for a single
// predictor, several for a chain. It checks the names and not the other
// flags.
func (f *Flags) Kinds() ([]string, error) {
	spec := f.Kind
	if spec == Chain {
		spec = f.Chain
	}
	var kinds []string
	for _, k := range strings.Split(spec, ",") {
		k = strings.TrimSpace(k)
		switch k {
		case Offline, Model, LLM:
		case "":
			return nil, usagef("-predictor %q: an empty name in the list", f.Kind)
		default:
			return nil, usagef("-predictor %q: unknown predictor %q: use offline, model, llm, chain, or a list such as model,offline", f.Kind, k)
		}
		if slices.Contains(kinds, k) {
			return nil, usagef("-predictor %q names %s twice", f.Kind, k)
		}
		kinds = append(kinds, k)
	}
	return kinds, nil
}

// offlineOptions returns the heuristic options -offline-without asks
// for.
func (f *Flags) offlineOptions(kinds []string) ([]heuristic.Option, error) {
	if len(f.OfflineWithout) > 0 && !slices.Contains(kinds, Offline) {
		return nil, usagef("-offline-without is for -predictor offline or a chain with offline, not %q", f.Kind)
	}
	var opts []heuristic.Option
	for _, m := range f.OfflineWithout {
		switch m {
		case "need":
			opts = append(opts, heuristic.WithNeedClassifier(nil))
		case "intent":
			opts = append(opts, heuristic.WithIntentClassifier(nil))
		default:
			return nil, usagef("-offline-without %q: unknown model: use need or intent", m)
		}
	}
	return opts, nil
}

// Env is what Build takes from the process: its environment (os.Getenv)
// and, optionally, the HTTP client for model calls.
type Env struct {
	Getenv func(string) string
	// HTTPClient carries model calls; llm.HTTPClient(nil, 1<<20) when nil.
	HTTPClient *http.Client
}

// Build makes the predictor the flags name. fields are the fields a plain
// -model FILE is for: with one field, FILE is its classifier; with
// several, FILE with each field's name before the extension is (as
// examples/evaluate -save writes them); with none, -model must say
// FIELD=FILE. The name returned says what was built, for reports.
func (f *Flags) Build(env Env, fields []string) (predict.Predictor, string, error) {
	kinds, err := f.Kinds()
	if err != nil {
		return nil, "", err
	}
	if !(f.Threshold >= 0 && f.Threshold <= 1) {
		return nil, "", usagef("-chain-threshold %v is not between 0 and 1", f.Threshold)
	}
	if (len(f.Models) > 0 || len(f.Trained) > 0) && !slices.Contains(kinds, Model) {
		return nil, "", usagef("-model is for -predictor model or a chain with model, not %q", f.Kind)
	}
	offline, err := f.offlineOptions(kinds)
	if err != nil {
		return nil, "", err
	}
	if !slices.Contains(kinds, LLM) && (f.LLMURL != "" || f.LLMModel != "" || f.LLMKeyEnv != "") {
		return nil, "", usagef("-llm-url, -llm-model and -llm-key-env are for -predictor llm or a chain with llm, not %q", f.Kind)
	}
	ps := make([]predict.Predictor, len(kinds))
	for i, k := range kinds {
		switch k {
		case Offline:
			ps[i], err = heuristic.New(offline...)
		case Model:
			ps[i], err = f.classifier(fields)
		case LLM:
			ps[i], err = f.llm(env)
		}
		if err != nil {
			return nil, "", err
		}
	}
	return f.Calibrated(chain(kinds, ps, f.Threshold), strings.Join(kinds, ","))
}

// Calibrated returns p, named name, with the -calibration file applied
// to its confidence when one is given, and the name saying so.
func (f *Flags) Calibrated(p predict.Predictor, name string) (predict.Predictor, string, error) {
	if f.Calibration == "" {
		return p, name, nil
	}
	c, err := predict.LoadCalibration(f.Calibration)
	if err != nil {
		return nil, "", err
	}
	if p, err = predict.Calibrate(p, c); err != nil {
		return nil, "", err
	}
	return p, name + " calibrated", nil
}

// chain asks each predictor for what the ones before left open or
// answered below threshold; a model endpoint that fails leaves its
// fields to the rest.
func chain(kinds []string, ps []predict.Predictor, threshold float64) predict.Predictor {
	if len(ps) == 1 {
		return ps[0]
	}
	rest := chain(kinds[1:], ps[1:], threshold)
	// Build checked the threshold: Confident fails on nothing else.
	first, _ := predict.Confident(ps[0], threshold)
	c := predict.Chain(first, rest)
	if kinds[0] == LLM {
		return predict.Fallback(c, rest)
	}
	return c
}

func (f *Flags) classifier(fields []string) (predict.Predictor, error) {
	if len(f.Models) == 0 && len(f.Trained) == 0 {
		return nil, usagef("-predictor %s needs -model FIELD=FILE: a classifier saved by examples/evaluate -save", f.Kind)
	}
	models := maps.Clone(f.Trained)
	if models == nil {
		models = map[string]*textclass.Model{}
	}
	load := func(field, path string) error {
		if _, dup := models[field]; dup {
			return usagef("-model: two classifiers for field %s", field)
		}
		m, err := textclass.Load(path)
		if err != nil {
			return fmt.Errorf("-model %s: %w", path, err)
		}
		models[field] = m
		return nil
	}
	for _, v := range f.Models {
		field, path, ok := strings.Cut(v, "=")
		switch {
		case ok && (strings.TrimSpace(field) == "" || path == ""):
			return nil, usagef("-model %q: want FIELD=FILE", v)
		case ok:
			if err := load(strings.TrimSpace(field), path); err != nil {
				return nil, err
			}
		case len(fields) == 0:
			return nil, usagef("-model %q: say which field it predicts, as FIELD=FILE", v)
		case len(fields) == 1:
			if err := load(fields[0], v); err != nil {
				return nil, err
			}
		default:
			ext := filepath.Ext(v)
			for _, field := range fields {
				if err := load(field, strings.TrimSuffix(v, ext)+"."+field+ext); err != nil {
					return nil, err
				}
			}
		}
	}
	return textclass.NewPredictor(models), nil
}

func (f *Flags) llm(env Env) (predict.Predictor, error) {
	if f.LLMModel == "" {
		return nil, usagef("-predictor %s needs -llm-model: the model's name at the endpoint", f.Kind)
	}
	keyEnv := f.LLMKeyEnv
	if keyEnv == "" {
		switch f.LLMProvider {
		case OpenAI:
			keyEnv = "OPENAI_API_KEY"
		case Anthropic:
			keyEnv = "ANTHROPIC_API_KEY"
		}
	}
	key := ""
	if keyEnv != "" && env.Getenv != nil {
		key = env.Getenv(keyEnv)
	}
	hc := env.HTTPClient
	if hc == nil {
		hc = llm.HTTPClient(nil, 1<<20)
	}
	var m llms.Model
	var err error
	switch f.LLMProvider {
	case OpenAI, Ollama:
		url := f.LLMURL
		if f.LLMProvider == Ollama {
			if url == "" {
				url = "http://localhost:11434/v1"
			}
			if key == "" {
				key = "ollama" // Ollama takes no key, the client wants one
			}
		}
		if key == "" {
			return nil, usagef("-llm-provider %s: the environment variable %s holding the API key is empty or unset", f.LLMProvider, keyEnv)
		}
		opts := []openai.Option{openai.WithToken(key), openai.WithModel(f.LLMModel), openai.WithHTTPClient(hc)}
		if url != "" {
			opts = append(opts, openai.WithBaseURL(url))
		}
		m, err = openai.New(opts...)
	case Anthropic:
		if key == "" {
			return nil, usagef("-llm-provider anthropic: the environment variable %s holding the API key is empty or unset", keyEnv)
		}
		opts := []anthropic.Option{anthropic.WithToken(key), anthropic.WithModel(f.LLMModel), anthropic.WithHTTPClient(hc)}
		if f.LLMURL != "" {
			opts = append(opts, anthropic.WithBaseURL(f.LLMURL))
		}
		m, err = anthropic.New(opts...)
	default:
		return nil, usagef("unknown -llm-provider %q: use openai, anthropic or ollama", f.LLMProvider)
	}
	if err != nil {
		return nil, fmt.Errorf("-llm-provider %s: %w", f.LLMProvider, err)
	}
	return llm.New(m, llm.WithModelName(f.LLMModel))
}

// IsUsage reports whether err is a bad flag.
func IsUsage(err error) bool {
	_, ok := errors.AsType[*UsageError](err)
	return ok
}
