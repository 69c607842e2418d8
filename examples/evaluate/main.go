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
//	                  predictor untrained, matching option labels and descriptions;
//	                  and, untrained, any shipped predictor (internal/predictorflag):
//	                  offline (the same as description), model (-model FILE, a
//	                  classifier saved with -save), llm (-llm-provider openai|
//	                  anthropic|ollama, -llm-url URL, -llm-model NAME, the API key
//	                  from the environment variable -llm-key-env names), chain
//	                  (-chain, default model,offline) or a list such as
//	                  llm,offline: each fills what the ones before left open or
//	                  answered below -chain-threshold (0.5)
//	-calibration FILE map the predictor's confidence through a saved calibration
//	-fit-calibration FILE
//	                  learn a calibration of an untrained predictor (not
//	                  classifier or heuristic) from the training records, save it
//	                  to FILE, and evaluate the calibrated predictor on the test
//	                  records
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
// Comparisons, on the same split:
//
//	-baseline         also train the TF-IDF and logistic regression baseline
//	                  (predict/eval) and compare it with the predictor
//	-seeds N          train with N seeds (-seed to -seed+N-1) on the same split
//	                  and report each predictor's mean and spread (default 1)
//	-curve            measure a learning curve: accuracy and macro-F1 when
//	                  trained on the first 50, 100, 200, 400, 1000 and all
//	                  training records (shuffled per seed); -curve-sizes LIST
//	                  changes the sizes
//	-shots N          train the classifier from N example phrases per option
//	                  (taken from the training records, seeded) and the option
//	                  names, as a tenant without history would
//
// Classifier options (predict/textclass; 0 or -1 leave the default):
//
//	-epochs N  -l2 X  -rate X  -min-df N  -hash-bits N  -words MIN-MAX
//	-chars MIN-MAX  -char-weight X  -keep-accents  -holdout FRACTION
//	-prior STRENGTH (0 to 1; -1 chooses it on held-out examples)
//
// Baseline options: -baseline-c X (inverse L2 strength, default 10),
// -baseline-ngrams N (default 1).
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
	"maps"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/examples/internal/predictorflag"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/textclass"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], process{stdout: os.Stdout, stderr: os.Stderr, terminal: isTerminal(os.Stderr), getenv: os.Getenv})
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

// process is what run gets of the process around it: its output,
// whether standard error is a terminal, and its environment.
type process struct {
	stdout, stderr io.Writer
	terminal       bool
	getenv         func(string) string
}

func run(ctx context.Context, args []string, pr process) int {
	stdout, stderr, terminal, getenv := pr.stdout, pr.stderr, pr.terminal, pr.getenv
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
	pf := predictorflag.Register(fs, "classifier", "classifier (trained), heuristic (the offline predictor with the trained classifier), description (untrained)")
	fitCalibration := fs.String("fit-calibration", "", "learn a calibration from the training records, save it to this `file`, and evaluate the calibrated predictor")
	schemaPath := fs.String("schema", "", "JSON file with a \"fields\" list describing the label columns")
	threshold := fs.Float64("threshold", 0.5, "confidence of the coverage figures")
	htmlPath := fs.String("html", "", "write an HTML report to this file")
	savePath := fs.String("save", "", "save the trained classifier to this file")
	loadPath := fs.String("load", "", "evaluate a classifier saved with -save instead of training one")
	forceProgress := fs.Bool("progress", false, "draw a progress bar even when standard error is not a terminal")
	workers := fs.Int("workers", 1, "records predicted at once")
	baseline := fs.Bool("baseline", false, "also train and compare the TF-IDF and logistic regression baseline")
	seeds := fs.Int("seeds", 1, "train with this many seeds on the same split and report mean and spread")
	curve := fs.Bool("curve", false, "measure a learning curve")
	shots := fs.Int("shots", 0, "train the classifier from this many example phrases per option")
	var curveSizes intList
	fs.Var(&curveSizes, "curve-sizes", "training `sizes` of the learning curve (default 50,100,200,400,1000 and all)")
	var co classifierFlags
	fs.IntVar(&co.epochs, "epochs", 0, "classifier: passes over the examples (0: automatic)")
	fs.Float64Var(&co.l2, "l2", -1, "classifier: L2 regularisation (-1: default)")
	fs.Float64Var(&co.rate, "rate", 0, "classifier: AdaGrad step size (0: default)")
	fs.IntVar(&co.minDF, "min-df", 0, "classifier: drop features seen in fewer examples (0: default)")
	fs.IntVar(&co.hashBits, "hash-bits", 0, "classifier: log2 of the hashed feature space (0: default)")
	fs.StringVar(&co.words, "words", "", "classifier: word n-grams MIN-MAX, or 0 for none")
	fs.StringVar(&co.chars, "chars", "", "classifier: character n-grams MIN-MAX, or 0 for none")
	fs.Float64Var(&co.charWeight, "char-weight", 0, "classifier: weight of the character block (0: default)")
	fs.BoolVar(&co.keepAccents, "keep-accents", false, "classifier: do not fold accents")
	fs.Float64Var(&co.holdOut, "holdout", -1, "classifier: fraction held out to calibrate, 0 for none (-1: automatic)")
	fs.Float64Var(&co.prior, "prior", -1, "classifier: prior correction strength 0 to 1 (-1: chosen on held-out examples)")
	var bc eval.BaselineConfig
	fs.Float64Var(&bc.C, "baseline-c", 0, "baseline: inverse L2 strength (0: default 10)")
	fs.IntVar(&bc.MaxNGram, "baseline-ngrams", 0, "baseline: longest word n-gram (0: default 1)")
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
		split: *split, seed: *seed, predictor: pf.Kind, flags: pf, getenv: getenv, fitCalibration: *fitCalibration, schema: *schemaPath,
		threshold: *threshold, json: jsonOut, html: *htmlPath, save: *savePath, load: *loadPath,
		progress: *forceProgress || terminal, workers: *workers,
		baseline: *baseline, seeds: *seeds, curve: *curve, curveSizes: curveSizes, shots: *shots,
		classifier: co, baselineConfig: bc,
	}, stdout, stderr)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "evaluate:", err)
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, eval.ErrData) || predictorflag.IsUsage(err) {
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
	flags             *predictorflag.Flags
	getenv            func(string) string
	fitCalibration    string
	threshold         float64
	json              jsonFlag
	html, save, load  string
	progress          bool
	workers           int
	baseline, curve   bool
	seeds, shots      int
	curveSizes        []int
	classifier        classifierFlags
	baselineConfig    eval.BaselineConfig
}

// intList collects repeated, comma-separated integers.
type intList []int

func (l *intList) String() string { return fmt.Sprint([]int(*l)) }

func (l *intList) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return fmt.Errorf("%q is not a positive number", p)
		}
		*l = append(*l, n)
	}
	return nil
}

// classifierFlags are the classifier's options as flags; zero or
// negative values leave the default.
type classifierFlags struct {
	epochs, minDF, hashBits int
	l2, rate, charWeight    float64
	holdOut, prior          float64
	words, chars            string
	keepAccents             bool
}

// options turns the flags into textclass options.
func (c classifierFlags) options() ([]textclass.Option, error) {
	var opts []textclass.Option
	if c.epochs > 0 {
		opts = append(opts, textclass.WithEpochs(c.epochs))
	}
	if c.l2 >= 0 {
		opts = append(opts, textclass.WithL2(c.l2))
	}
	if c.rate > 0 {
		opts = append(opts, textclass.WithLearningRate(c.rate))
	}
	if c.minDF > 0 {
		opts = append(opts, textclass.WithMinDF(c.minDF))
	}
	if c.holdOut >= 0 {
		opts = append(opts, textclass.WithHoldOut(c.holdOut))
	}
	if c.prior >= 0 {
		if c.prior > 1 {
			return nil, &usageError{fmt.Sprintf("-prior %v is above 1", c.prior)}
		}
		opts = append(opts, textclass.WithPriorCorrection(c.prior))
	}
	if c.hashBits > 0 || c.words != "" || c.chars != "" || c.charWeight > 0 || c.keepAccents {
		f := textclass.DefaultFeatures()
		if c.hashBits > 0 {
			f.HashBits = c.hashBits
		}
		var err error
		if c.words != "" {
			if f.MinWordN, f.MaxWordN, err = nRange("-words", c.words); err != nil {
				return nil, err
			}
		}
		if c.chars != "" {
			if f.MinCharN, f.MaxCharN, err = nRange("-chars", c.chars); err != nil {
				return nil, err
			}
		}
		if c.charWeight > 0 {
			f.CharWeight = c.charWeight
		}
		f.FoldAccents = !c.keepAccents
		opts = append(opts, textclass.WithFeatures(f))
	}
	return opts, nil
}

// nRange reads "MIN-MAX", "N" (for N-N) or "0" (none).
func nRange(flagName, s string) (lo, hi int, err error) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		b = a
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo < 0 || hi < lo {
		return 0, 0, &usageError{fmt.Sprintf("%s %q: want MIN-MAX, such as 1-2, or 0", flagName, s)}
	}
	if hi == 0 {
		return 0, 0, nil
	}
	return lo, hi, nil
}

// check fills in defaults and checks the options, and reports whether
// the predictor is trained here and whether predictorflag builds it.
func (o *options) check() (needsTraining, shipped bool, err error) {
	if len(o.texts) == 0 {
		o.texts = []string{"text"}
	}
	switch {
	case len(o.labels) == 0:
		return false, false, &usageError{"name at least one -label column"}
	case o.data != "" && (o.train != "" || o.test != ""):
		return false, false, &usageError{"give -data, or -train and -test, not both"}
	case o.data == "" && o.test == "":
		return false, false, &usageError{"give -data FILE, or -train FILE and -test FILE"}
	case !(o.split > 0 && o.split < 1):
		return false, false, &usageError{fmt.Sprintf("-split %v is not between 0 and 1", o.split)}
	case !(o.threshold >= 0 && o.threshold <= 1):
		return false, false, &usageError{fmt.Sprintf("-threshold %v is not between 0 and 1", o.threshold)}
	case o.workers < 1:
		return false, false, &usageError{"-workers must be at least 1"}
	case o.seeds < 1 || o.seeds > 100:
		return false, false, &usageError{fmt.Sprintf("-seeds %d is not between 1 and 100", o.seeds)}
	case o.shots < 0:
		return false, false, &usageError{"-shots must not be negative"}
	}
	needsTraining, shipped = true, false // shipped: built by predictorflag
	switch o.predictor {
	case "classifier", "heuristic":
	case "description":
		needsTraining = false
	default:
		if _, err := o.flags.Kinds(); err != nil {
			return false, false, &usageError{fmt.Sprintf("unknown -predictor %q: use classifier, heuristic, description, offline, model, llm, chain, or a list such as model,offline", o.predictor)}
		}
		needsTraining, shipped = false, true
	}
	if !shipped && (len(o.flags.Models) > 0 || o.flags.LLMModel != "" || o.flags.LLMURL != "" || o.flags.LLMKeyEnv != "") {
		return false, false, &usageError{fmt.Sprintf("-model and -llm-* are for -predictor model, llm or a chain, not %s", o.predictor)}
	}
	if !needsTraining && o.save != "" {
		return false, false, &usageError{"-save needs a trained predictor (classifier or heuristic)"}
	}
	if o.fitCalibration != "" {
		switch {
		case needsTraining || o.load != "":
			return false, false, &usageError{"-fit-calibration is for untrained predictors (description, offline, model, llm, chains): the classifier calibrates itself while it trains"}
		case o.flags.Calibration != "":
			return false, false, &usageError{"give -calibration or -fit-calibration, not both"}
		case o.data == "" && o.train == "":
			return false, false, &usageError{"-fit-calibration learns from training records: give -train with -test, or -data"}
		}
	}
	if o.load != "" {
		if !needsTraining {
			return false, false, &usageError{"-load needs -predictor classifier or heuristic (or use -predictor model -model FILE)"}
		}
		if o.save != "" || o.train != "" {
			return false, false, &usageError{"-load evaluates a saved classifier: it takes no -save or -train"}
		}
		needsTraining = false
	}
	if needsTraining && o.data == "" && o.train == "" {
		return false, false, &usageError{fmt.Sprintf("-predictor %s is trained: give -train with -test, or -data", o.predictor)}
	}
	if !needsTraining && (o.curve || o.shots > 0 || o.seeds > 1) {
		return false, false, &usageError{"-curve, -shots and -seeds train the predictor: use -predictor classifier or heuristic without -load"}
	}
	if o.baseline && o.data == "" && o.train == "" {
		return false, false, &usageError{"-baseline is trained: give -train with -test, or -data"}
	}
	return needsTraining, shipped, nil
}

// records reads the training and test records: -data split (or all
// tested when nothing is trained), or -train and -test.
func (o *options) records(needsTraining bool) (train, test []eval.Record, err error) {
	cols := eval.Columns{Text: o.texts, Labels: o.labels}
	if o.data != "" {
		all, err := eval.ReadFile(o.data, cols)
		if err != nil {
			return nil, nil, err
		}
		if needsTraining || o.baseline || o.fitCalibration != "" {
			train, test, err = eval.Split(all, o.labels[0], o.split, o.seed)
			if err != nil {
				return nil, nil, err
			}
		} else {
			test = all
		}
	} else {
		if o.train != "" {
			if train, err = eval.ReadFile(o.train, cols); err != nil {
				return nil, nil, err
			}
		}
		if test, err = eval.ReadFile(o.test, cols); err != nil {
			return nil, nil, err
		}
	}
	return train, test, nil
}

func evaluate(ctx context.Context, o options, stdout, stderr io.Writer) error {
	needsTraining, shipped, err := o.check()
	if err != nil {
		return err
	}
	train, test, err := o.records(needsTraining)
	if err != nil {
		return err
	}
	fields := eval.Fields(o.labels, train, test)
	if o.schema != "" {
		if fields, err = schemaFields(o.schema, fields); err != nil {
			return err
		}
	}

	copts, err := o.classifier.options()
	if err != nil {
		return err
	}
	// trainModels trains the classifiers with a seed: on every training
	// record, or with -shots on a few phrases per option.
	trainModels := func(ctx context.Context, train []eval.Record, seed uint64) (map[string]*textclass.Model, int, error) {
		opts := append(slices.Clone(copts), textclass.WithSeed(seed))
		if o.shots == 0 {
			models, err := eval.Train(ctx, train, o.labels, opts...)
			return models, len(train), err
		}
		models := map[string]*textclass.Model{}
		used := 0
		for _, f := range fields {
			phrases := fewShots(train, f, o.shots, seed)
			for _, ps := range phrases {
				used += len(ps)
			}
			m, err := textclass.TrainFewShot(ctx, f, phrases, opts...)
			if err != nil {
				return nil, 0, fmt.Errorf("training %s from %d phrases per option: %w", f.Name, o.shots, err)
			}
			models[f.Name] = m
		}
		return models, used, nil
	}

	var models map[string]*textclass.Model
	var trainingSeconds float64
	trained := 0
	if o.load != "" {
		if models, err = o.loadModels(); err != nil {
			return err
		}
	}
	if needsTraining {
		start := time.Now()
		models, trained, err = trainModels(ctx, train, o.seed)
		if err != nil {
			return err
		}
		printTraining(stderr, models, o.labels)
		trainingSeconds = time.Since(start).Seconds()
		if err := o.saveModels(stderr, models); err != nil {
			return err
		}
	}
	p, name, err := o.build(shipped, models)
	if err != nil {
		return err
	}
	if o.fitCalibration != "" {
		fopts := []eval.Option{eval.WithWorkers(o.workers)}
		if o.progress {
			fopts = append(fopts, eval.WithProgress(stderr))
		}
		c, err := eval.FitCalibration(ctx, p, fields, train, fopts...)
		if err != nil {
			return err
		}
		c.Predictor = name
		if err := c.Save(o.fitCalibration); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "calibrated on %d training records (%d answers): calibration error %.3f -> %.3f; saved to %s\n",
			len(train), c.Global.Examples, c.Global.ErrorBefore, c.Global.ErrorAfter, o.fitCalibration)
		if p, err = predict.Calibrate(p, c); err != nil {
			return err
		}
		name += " calibrated"
	}

	ropts := []eval.Option{eval.WithThreshold(o.threshold), eval.WithWorkers(o.workers)}
	progressOpts := ropts
	if o.progress {
		progressOpts = append(slices.Clone(ropts), eval.WithProgress(stderr))
	}
	rep, err := eval.Run(ctx, p, fields, test, progressOpts...)
	if err != nil {
		return err
	}
	rep.Predictor = name
	rep.Training = trained
	rep.TrainingSeconds = trainingSeconds

	// Comparisons over seeds on the same split, and the learning curve.
	seeds := make([]uint64, o.seeds)
	for i := range seeds {
		seeds[i] = o.seed + uint64(i)
	}
	mainTrainer := func(ctx context.Context, train []eval.Record, seed uint64) (predict.Predictor, error) {
		models, _, err := trainModels(ctx, train, seed)
		if err != nil {
			return nil, err
		}
		return o.predictorFor(models)
	}
	var trainers []eval.NamedTrainer
	if needsTraining && (o.seeds > 1 || o.baseline) {
		trainers = append(trainers, eval.NamedTrainer{Name: o.predictor, Train: mainTrainer})
	}
	if o.baseline {
		trainers = append(trainers, eval.NamedTrainer{Name: "baseline", Train: eval.BaselineTrainer(o.labels, o.baselineConfig)})
	}
	setup := eval.Setup{Fields: fields, Train: train, Test: test, Seeds: seeds}
	if len(trainers) > 0 {
		fmt.Fprintf(stderr, "comparing %d predictors over %d seeds\n", len(trainers), len(seeds))
		if rep.Comparison, err = eval.Compare(ctx, trainers, setup, ropts...); err != nil {
			return err
		}
	}
	if o.curve {
		sizes := o.curveSizes
		if len(sizes) == 0 {
			sizes = eval.DefaultCurveSizes()
		}
		fmt.Fprintf(stderr, "measuring the learning curve at %v and %d records over %d seeds\n", sizes, len(train), len(seeds))
		if rep.LearningCurve, err = eval.LearningCurve(ctx, mainTrainer, setup, sizes, ropts...); err != nil {
			return err
		}
	}

	return o.write(rep, stdout)
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

// fewShots picks, for every option of f seen in train, the texts of n
// training records labelled with it, shuffled with seed: the phrases an
// administrator would give.
func fewShots(train []eval.Record, f predict.Field, n int, seed uint64) map[string][]string {
	byOption := map[string][]string{}
	for _, r := range train {
		o, ok := f.Option(r.Labels[f.Name])
		if !ok {
			continue
		}
		byOption[o.Value] = append(byOption[o.Value], r.Text)
	}
	rng := rand.New(rand.NewPCG(seed, 0x73686f7473))
	out := map[string][]string{}
	for _, v := range slices.Sorted(maps.Keys(byOption)) {
		texts := byOption[v]
		rng.Shuffle(len(texts), func(i, j int) { texts[i], texts[j] = texts[j], texts[i] })
		out[v] = texts[:min(n, len(texts))]
	}
	return out
}

// predictorFor is the predictor evaluated over the trained or loaded
// classifiers: the classifiers themselves, or the heuristic with them.
func (o *options) predictorFor(models map[string]*textclass.Model) (predict.Predictor, error) {
	if o.predictor == "classifier" {
		return textclass.NewPredictor(models), nil
	}
	var hopts []heuristic.Option
	for _, name := range slices.Sorted(maps.Keys(models)) {
		hopts = append(hopts, heuristic.WithClassifier(name, models[name]))
	}
	return heuristic.New(hopts...)
}

// loadModels loads the classifiers saved with -save from -load.
func (o *options) loadModels() (map[string]*textclass.Model, error) {
	models := map[string]*textclass.Model{}
	for _, name := range o.labels {
		m, err := textclass.Load(modelPath(o.load, name, len(o.labels)))
		if err != nil {
			return nil, err
		}
		models[name] = m
	}
	return models, nil
}

// printTraining tells what training the classifiers of labels gave.
func printTraining(stderr io.Writer, models map[string]*textclass.Model, labels []string) {
	for _, name := range labels {
		m := models[name]
		info, cal := m.Info(), m.Calibration()
		fmt.Fprintf(stderr, "trained %s: %d examples, %d labels, %d features, %d epochs", name, info.Examples, info.Classes, info.Features, info.Epochs)
		if cal.Held > 0 {
			fmt.Fprintf(stderr, "; held-out (%d in %d folds) accuracy %.3f, macro-F1 %.3f, prior correction %.2f, calibration error %.3f -> %.3f (temperature %.2f",
				cal.Held, cal.Folds, cal.Accuracy, cal.MacroF1, cal.PriorCorrection, cal.ErrorBefore, cal.Error, cal.Temperature)
			if len(cal.Knots) > 0 {
				fmt.Fprintf(stderr, ", isotonic map of %d knots", len(cal.Knots))
			}
			fmt.Fprint(stderr, ")")
		}
		fmt.Fprintln(stderr)
	}
}

// saveModels saves the trained classifiers to -save, when given.
func (o *options) saveModels(stderr io.Writer, models map[string]*textclass.Model) error {
	if o.save == "" {
		return nil
	}
	for _, name := range o.labels {
		path := modelPath(o.save, name, len(o.labels))
		if err := models[name].Save(path); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "saved the %s classifier to %s\n", name, path)
	}
	return nil
}

// build returns the predictor evaluated and its name: one predictorflag
// builds (shipped), or one over models, calibrated with -calibration.
func (o *options) build(shipped bool, models map[string]*textclass.Model) (predict.Predictor, string, error) {
	if shipped {
		return o.flags.Build(predictorflag.Env{Getenv: o.getenv}, o.labels)
	}
	p, err := o.predictorFor(models)
	if err != nil {
		return nil, "", err
	}
	return o.flags.Calibrated(p, o.predictor)
}

// write writes the report: as HTML to -html, as JSON to -json, and as
// text to stdout unless JSON goes there.
func (o *options) write(rep *eval.Report, stdout io.Writer) error {
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
