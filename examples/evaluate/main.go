// Command evaluate measures a predictor on a labelled export of past
// cases: a CSV file with a header row, or JSON Lines.
//
//	go run ./examples/evaluate -data tickets.csv -text body -label category
//
// With -data it splits the records into training and test parts,
// stratified on the first label and seeded (-split, -seed); with -train
// and -test it takes the two parts from two files. It trains a classifier
// per label column (unless the predictor needs none), replays the test
// records one by one as customer messages, and reports per field the
// accuracy, macro-F1, coverage and accuracy at a confidence threshold,
// and the calibration error.
//
// Flags:
//
//	-data FILE        labelled records to split into training and test parts
//	-train FILE       training records (with -test, instead of -data)
//	-test FILE        test records
//	-text COLUMNS     text columns, joined; repeat or separate with commas (default "text")
//	-label COLUMN     a label column, one field each; repeat or separate with commas
//	-split FRACTION   test fraction of -data (default 0.35)
//	-seed N           seed of the split and of training (default 1)
//	-predictor NAME   classifier (default): the trained classifier alone;
//	                  heuristic: the offline default predictor with the trained
//	                  classifier plugged in; description: the offline default
//	                  predictor untrained, matching option labels and descriptions
//	-schema FILE      JSON with a "fields" list (the tenant configuration's
//	                  format) giving the options and their descriptions for label
//	                  columns of the same name; otherwise the options are the
//	                  labels seen
//	-threshold T      confidence of the coverage figures (default 0.5)
//	-json[=FILE]      write the report as JSON, to standard output or FILE
//	-html FILE        write the report as an HTML page with reliability charts
//	-save FILE        save the trained classifier (FILE gets the field name
//	                  before its extension when there are several labels)
//	-load FILE        evaluate a classifier saved with -save instead of training
//	                  one: all of -data, or -test, is test data
//	-progress         draw a progress bar even when standard error is not a terminal
//	-workers N        records predicted at once (default 1)
//
// The report goes to standard output; training notes and the progress bar
// go to standard error. The exit status is 2 for bad flags or data and 1
// for other failures.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/textclass"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// listFlag collects repeated, comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// jsonFlag is -json (to standard output) or -json=FILE.
type jsonFlag struct {
	on   bool
	path string
}

func (j *jsonFlag) String() string   { return j.path }
func (j *jsonFlag) IsBoolFlag() bool { return true }

func (j *jsonFlag) Set(s string) error {
	switch s {
	case "true":
		j.on, j.path = true, ""
	case "false":
		j.on, j.path = false, ""
	default:
		j.on, j.path = true, s
	}
	return nil
}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) int {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		texts, labels listFlag
		jsonOut       jsonFlag
	)
	data := fs.String("data", "", "labelled records to split into training and test parts")
	trainPath := fs.String("train", "", "training records (with -test)")
	testPath := fs.String("test", "", "test records (with -train)")
	split := fs.Float64("split", 0.35, "test fraction of -data")
	seed := fs.Uint64("seed", 1, "seed of the split and of training")
	predictorName := fs.String("predictor", "classifier", "classifier, heuristic or description")
	schemaPath := fs.String("schema", "", "JSON file with a \"fields\" list describing the label columns")
	threshold := fs.Float64("threshold", 0.5, "confidence of the coverage figures")
	htmlPath := fs.String("html", "", "write an HTML report to this file")
	savePath := fs.String("save", "", "save the trained classifier to this file")
	loadPath := fs.String("load", "", "evaluate a classifier saved with -save instead of training one")
	forceProgress := fs.Bool("progress", false, "draw a progress bar even when standard error is not a terminal")
	workers := fs.Int("workers", 1, "records predicted at once")
	fs.Var(&texts, "text", "text `columns`, joined (repeat or separate with commas; default text)")
	fs.Var(&labels, "label", "label `column`, one field each (repeat or separate with commas)")
	fs.Var(&jsonOut, "json", "write the report as JSON to standard output, or with =FILE to FILE")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	err := evaluate(ctx, options{
		texts: texts, labels: labels, data: *data, train: *trainPath, test: *testPath,
		split: *split, seed: *seed, predictor: *predictorName, schema: *schemaPath,
		threshold: *threshold, json: jsonOut, html: *htmlPath, save: *savePath, load: *loadPath,
		progress: *forceProgress || terminal, workers: *workers,
	}, stdout, stderr)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "evaluate:", err)
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, eval.ErrData) {
		return 2
	}
	return 1
}

type options struct {
	texts, labels     []string
	data, train, test string
	split             float64
	seed              uint64
	predictor, schema string
	threshold         float64
	json              jsonFlag
	html, save, load  string
	progress          bool
	workers           int
}

func evaluate(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if len(o.texts) == 0 {
		o.texts = []string{"text"}
	}
	switch {
	case len(o.labels) == 0:
		return &usageError{"name at least one -label column"}
	case o.data != "" && (o.train != "" || o.test != ""):
		return &usageError{"give -data, or -train and -test, not both"}
	case o.data == "" && o.test == "":
		return &usageError{"give -data FILE, or -train FILE and -test FILE"}
	case !(o.split > 0 && o.split < 1):
		return &usageError{fmt.Sprintf("-split %v is not between 0 and 1", o.split)}
	case !(o.threshold >= 0 && o.threshold <= 1):
		return &usageError{fmt.Sprintf("-threshold %v is not between 0 and 1", o.threshold)}
	case o.workers < 1:
		return &usageError{"-workers must be at least 1"}
	}
	needsTraining := true
	switch o.predictor {
	case "classifier", "heuristic":
	case "description":
		needsTraining = false
		if o.save != "" {
			return &usageError{"-save needs a trained predictor (classifier or heuristic)"}
		}
	default:
		return &usageError{fmt.Sprintf("unknown -predictor %q: use classifier, heuristic or description", o.predictor)}
	}
	if o.load != "" {
		if !needsTraining {
			return &usageError{"-load needs -predictor classifier or heuristic"}
		}
		if o.save != "" || o.train != "" {
			return &usageError{"-load evaluates a saved classifier: it takes no -save or -train"}
		}
		needsTraining = false
	}
	if needsTraining && o.data == "" && o.train == "" {
		return &usageError{fmt.Sprintf("-predictor %s is trained: give -train with -test, or -data", o.predictor)}
	}
	cols := eval.Columns{Text: o.texts, Labels: o.labels}
	var train, test []eval.Record
	var err error
	if o.data != "" {
		all, err := eval.ReadFile(o.data, cols)
		if err != nil {
			return err
		}
		if needsTraining {
			train, test, err = eval.Split(all, o.labels[0], o.split, o.seed)
			if err != nil {
				return err
			}
		} else {
			test = all
		}
	} else {
		if o.train != "" {
			if train, err = eval.ReadFile(o.train, cols); err != nil {
				return err
			}
		}
		if test, err = eval.ReadFile(o.test, cols); err != nil {
			return err
		}
	}
	fields := eval.Fields(o.labels, train, test)
	if o.schema != "" {
		if fields, err = schemaFields(o.schema, fields); err != nil {
			return err
		}
	}

	var p predict.Predictor
	var models map[string]*textclass.Model
	var trainingSeconds float64
	if o.load != "" {
		models = map[string]*textclass.Model{}
		for _, name := range o.labels {
			m, err := textclass.Load(modelPath(o.load, name, len(o.labels)))
			if err != nil {
				return err
			}
			models[name] = m
		}
	}
	if needsTraining {
		start := time.Now()
		models, err = eval.Train(ctx, train, o.labels, textclass.WithSeed(o.seed))
		if err != nil {
			return err
		}
		for _, name := range o.labels {
			m := models[name]
			info, cal := m.Info(), m.Calibration()
			fmt.Fprintf(stderr, "trained %s: %d examples, %d labels, %d features, %d epochs", name, info.Examples, info.Classes, info.Features, info.Epochs)
			if cal.Held > 0 {
				fmt.Fprintf(stderr, "; held-out accuracy %.3f, calibration error %.3f -> %.3f (temperature %.2f)", cal.Accuracy, cal.ErrorBefore, cal.Error, cal.Temperature)
			}
			fmt.Fprintln(stderr)
		}
		trainingSeconds = time.Since(start).Seconds()
		if o.save != "" {
			for _, name := range o.labels {
				path := modelPath(o.save, name, len(o.labels))
				if err := models[name].Save(path); err != nil {
					return err
				}
				fmt.Fprintf(stderr, "saved the %s classifier to %s\n", name, path)
			}
		}
	}
	switch o.predictor {
	case "classifier":
		p = textclass.NewPredictor(models)
	case "heuristic", "description":
		var hopts []heuristic.Option
		for name, m := range models {
			hopts = append(hopts, heuristic.WithClassifier(name, m))
		}
		if p, err = heuristic.New(hopts...); err != nil {
			return err
		}
	}

	ropts := []eval.Option{eval.WithThreshold(o.threshold), eval.WithWorkers(o.workers)}
	if o.progress {
		ropts = append(ropts, eval.WithProgress(stderr))
	}
	rep, err := eval.Run(ctx, p, fields, test, ropts...)
	if err != nil {
		return err
	}
	rep.Predictor = o.predictor
	rep.Training = len(train)
	rep.TrainingSeconds = trainingSeconds

	if o.html != "" {
		if err := writeFile(o.html, rep.WriteHTML); err != nil {
			return err
		}
	}
	switch {
	case o.json.on && o.json.path == "":
		return rep.WriteJSON(stdout)
	case o.json.on:
		if err := writeFile(o.json.path, rep.WriteJSON); err != nil {
			return err
		}
	}
	return rep.WriteText(stdout)
}

// modelPath is where the classifier of a field is saved: path itself for
// one field, else path with the field's name before its extension.
func modelPath(path, field string, fields int) string {
	if fields == 1 {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + field + ext
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// schemaFields replaces the derived fields by the schema's fields of the
// same name, which carry the options' labels and descriptions.
func schemaFields(path string, derived []predict.Field) ([]predict.Field, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var schema struct {
		Fields []predict.Field `json:"fields"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		return nil, &usageError{fmt.Sprintf("%s: %v", path, err)}
	}
	out := make([]predict.Field, len(derived))
	for i, d := range derived {
		out[i] = d
		for _, f := range schema.Fields {
			if f.Name != d.Name {
				continue
			}
			if !f.HasOptions() {
				return nil, &usageError{fmt.Sprintf("%s: field %s has no options to choose from", path, f.Name)}
			}
			out[i] = f
		}
	}
	return out, nil
}
