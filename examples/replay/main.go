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

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/replay"
	"github.com/caseagent/caseagent/examples/internal/predictorflag"
	"github.com/caseagent/caseagent/predict/knowledge"
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
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	pf := predictorflag.Register(fs, predictorflag.Offline, "")
	config := fs.String("config", "", "tenant configuration (JSON or YAML); default: helpdesk.json beside the scenarios")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	summary := fs.Bool("summary", false, "write only the totals, naming no scenario (for a kept-aside set)")
	kb := fs.String("knowledge", "", "folder of knowledge articles (Markdown, JSON, YAML); default: knowledge beside the scenarios, when there is one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := pf.Kinds(); err != nil {
		return err
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

func dirOf(p string) string {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return p
	}
	return filepath.Dir(p)
}
