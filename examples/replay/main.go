// Command replay replays acceptance scenarios against a tenant
// configuration with the offline predictor, or any other (-predictor),
// and reports pass or fail per scenario and, per field, values met,
// missed (nothing written) and wrong (another value written), with the
// precision of written values next to the pass rate.
//
//	go run ./examples/replay -config ../shared/scenarios/helpdesk.json ../shared/scenarios
//
// Knowledge articles for resolution stories come from -knowledge, by
// default the knowledge folder beside the scenarios when there is one:
//
//	go run ./examples/replay casemgmt/replay/testdata/resolution
//
// See casemgmt/replay/FORMAT.md for the format of stories.
//
// Any shipped predictor can be replayed (see internal/predictorflag):
//
//	-predictor offline        the offline default (the default)
//	-predictor model -model category=FILE
//	                          a classifier saved by examples/evaluate -save
//	-predictor llm -llm-provider openai|anthropic|ollama -llm-url URL -llm-model NAME
//	                          a model at an LLM endpoint; the API key is read from
//	                          the environment variable -llm-key-env names
//	                          (default OPENAI_API_KEY or ANTHROPIC_API_KEY)
//	-predictor model,offline  a chain: each predictor fills what the ones before
//	                          left open or answered below -chain-threshold (0.5)
//	-calibration FILE         map the confidence through a saved calibration
//	-train DIR                train the model predictor's classifiers on the
//	                          stories in DIR (the values they expect), one per
//	                          field with options or per -train-fields field
//	-train-fields auto        learn only the fields for which a classifier asked
//	                          before the offline predictor does better on
//	                          held-out stories of DIR (eval.ChooseFields), and
//	                          tell on stderr how each field did
//
// With -train the tenant's own cases teach the chain what they are about;
// stories replayed must not be among those trained on:
//
//	go run ./examples/replay -config casemgmt/replay/testdata/stories/helpdesk.json \
//		-train casemgmt/replay/testdata/stories -train-fields category,priority \
//		-predictor model,offline NEW_STORIES
//
// With -json the report is written as JSON; with -summary only the totals
// are, naming no scenario, as a kept-aside set is reported:
//
//	go run ./examples/replay -summary -config casemgmt/replay/testdata/stories/helpdesk.json casemgmt/replay/testdata/holdout
//
// The text report ends with the line "N passed, N failed". The exit status is 1 when a scenario fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/replay"
	"github.com/caseagent/caseagent/examples/internal/predictorflag"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/textclass"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Getenv); err != nil {
		if !errors.Is(err, errFailed) {
			fmt.Fprintln(os.Stderr, "replay:", err)
		}
		os.Exit(1)
	}
}

var errFailed = errors.New("some scenarios failed")

func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	return runLogged(ctx, args, out, os.Stderr, getenv)
}

// runLogged is run with what is said beside the report (how each field
// did when -train-fields is auto) written to stderr.
func runLogged(ctx context.Context, args []string, out, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	pf := predictorflag.Register(fs, predictorflag.Offline, "")
	config := fs.String("config", "", "tenant configuration (JSON or YAML); default: helpdesk.json beside the scenarios")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	summary := fs.Bool("summary", false, "write only the totals, naming no scenario (for a kept-aside set)")
	kb := fs.String("knowledge", "", "folder of knowledge articles (Markdown, JSON, YAML); default: knowledge beside the scenarios, when there is one")
	train := fs.String("train", "", "a folder of stories to train the model predictor's classifiers on, one per field with options, from the values the stories expect; for -predictor model or a chain with model")
	trainFields := fs.String("train-fields", "", "with -train, the fields to train classifiers for, separated by commas (default: every field with options), or auto: those for which a classifier asked before the offline predictor does better on held-out stories of -train")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kinds, err := pf.Kinds()
	if err != nil {
		return err
	}
	if *train != "" && !slices.Contains(kinds, predictorflag.Model) {
		return fmt.Errorf("-train is for -predictor model or a chain with model, not %q", pf.Kind)
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{filepath.Join("..", "shared", "scenarios")}
	}
	if *config == "" {
		*config = filepath.Join(dirOf(paths[0]), "helpdesk.json")
	}
	cfg, err := agent.LoadConfig(*config)
	if err != nil {
		return err
	}
	scenarios, err := replay.Load(paths...)
	if err != nil {
		return err
	}
	if *kb == "" {
		if st, err := os.Stat(filepath.Join(dirOf(paths[0]), "knowledge")); err == nil && st.IsDir() {
			*kb = filepath.Join(dirOf(paths[0]), "knowledge")
		}
	}
	var articles []knowledge.Article
	if *kb != "" {
		if articles, err = replay.LoadKnowledge(*kb); err != nil {
			return err
		}
	}
	if *train != "" {
		var only []string
		for f := range strings.SplitSeq(*trainFields, ",") {
			if f = strings.TrimSpace(f); f != "" {
				only = append(only, f)
			}
		}
		if pf.Trained, err = trainOn(ctx, *train, only, pf.Threshold, cfg, scenarios, stderr); err != nil {
			return err
		}
	}
	pred, _, err := pf.Build(predictorflag.Env{Getenv: getenv}, nil)
	if err != nil {
		return err
	}
	r := &replay.Runner{Config: cfg, Predictor: pred, Articles: articles}
	rep, err := r.Run(ctx, scenarios)
	if err != nil {
		return err
	}
	switch {
	case *asJSON:
		err = rep.WriteJSON(out)
	case *summary:
		err = rep.WriteSummary(out)
	default:
		err = rep.WriteText(out)
	}
	if err != nil {
		return err
	}
	if rep.Failed > 0 {
		return errFailed
	}
	return nil
}

// chooseFields returns the fields with options of cfg for which a
// classifier trained on cases, asked before the offline predictor, gets
// more right on held-out cases (eval.ChooseFields), and tells log how
// each field did.
func chooseFields(ctx context.Context, cases []eval.Case, threshold float64, cfg *agent.Config, log io.Writer) ([]string, error) {
	base, err := heuristic.New()
	if err != nil {
		return nil, err
	}
	fields := make([]predict.Field, len(cfg.Fields))
	for i := range cfg.Fields {
		fields[i] = cfg.Fields[i].PredictField()
	}
	choices, err := eval.ChooseFields(ctx, base, fields, cases, eval.ChooseConfig{Threshold: threshold})
	if err != nil {
		return nil, fmt.Errorf("-train-fields auto: %w", err)
	}
	var only []string
	fmt.Fprintf(log, "%-20s %6s %14s %14s  %s\n", "field", "cases", "offline", "model,offline", "learned")
	for _, c := range choices {
		fmt.Fprintf(log, "%-20s %6d %6d/%-3d wr %6d/%-3d wr  %v\n", c.Field, c.Cases, c.BaseRight, c.BaseWrong, c.ChainRight, c.ChainWrong, c.Learn)
		if c.Learn {
			only = append(only, c.Field)
		}
	}
	return only, nil
}

func dirOf(p string) string {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return p
	}
	return filepath.Dir(p)
}

// minTrainExamples is the fewest labelled stories a field's classifier is
// trained on.
const minTrainExamples = 20

// trainOn trains a classifier for each field of cfg with options (of
// those named in only, when any are) on the stories in dir: the
// customer's words of each, labelled with the value its created case
// expects. Stories replayed may not be among them: a
// figure measured on text trained on says nothing of new text.
func trainOn(ctx context.Context, dir string, only []string, threshold float64, cfg *agent.Config, replayed []*replay.Scenario, log io.Writer) (map[string]*textclass.Model, error) {
	auto := slices.Equal(only, []string{"auto"})
	for _, name := range only {
		if auto {
			break
		}
		if !slices.ContainsFunc(cfg.Fields, func(f casemgmt.Field) bool { return f.Name == name && f.HasOptions() }) {
			return nil, fmt.Errorf("-train-fields: the configuration has no field %q with options", name)
		}
	}
	stories, err := replay.Load(dir)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, sc := range stories {
		ids[sc.ID] = true
	}
	for _, sc := range replayed {
		if ids[sc.ID] {
			return nil, fmt.Errorf("-train: story %s is both trained on and replayed", sc.ID)
		}
	}
	examples := map[string][]textclass.Example{}
	var cases []eval.Case
	for _, sc := range stories {
		msgs, labels, err := sc.Labelled()
		if err != nil {
			return nil, err
		}
		cases = append(cases, eval.Case{Messages: msgs, Labels: labels})
		text := textclass.CustomerText(msgs)
		if text == "" {
			continue
		}
		for field, label := range labels {
			examples[field] = append(examples[field], textclass.Example{Text: text, Label: label})
		}
	}
	if auto {
		var err error
		if only, err = chooseFields(ctx, cases, threshold, cfg, log); err != nil {
			return nil, err
		}
		if len(only) == 0 {
			return nil, fmt.Errorf("-train-fields auto: on the stories of %s a classifier does better than the offline predictor on no field: replay with -predictor offline", dir)
		}
	}
	models := map[string]*textclass.Model{}
	for i := range cfg.Fields {
		f := &cfg.Fields[i]
		ex := examples[f.Name]
		if len(only) > 0 && !slices.Contains(only, f.Name) {
			continue
		}
		if !f.HasOptions() || len(ex) < minTrainExamples {
			continue
		}
		m, err := textclass.Train(ctx, ex)
		if errors.Is(err, textclass.ErrOneLabel) {
			continue // every story expects the same value: nothing to tell apart
		}
		if err != nil {
			return nil, fmt.Errorf("-train: field %s: %w", f.Name, err)
		}
		models[f.Name] = m
	}
	if len(models) == 0 {
		return nil, fmt.Errorf("-train: %s has fewer than %d stories expecting a value for any field with options", dir, minTrainExamples)
	}
	return models, nil
}
