package learn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
	"github.com/caseagent/caseagent/predict/textclass"
)

// StateStore is where a Registry keeps models and decisions: the store's
// state and claims (casemgmt.Coordinator). Every casemgmt.Store is one.
type StateStore interface {
	GetState(ctx context.Context, key string) ([]byte, error)
	PutState(ctx context.Context, key string, value []byte) error
	AcquireClaim(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	ReleaseClaim(ctx context.Context, name, owner string) error
}

// Registry keeps a tenant's versioned models in its store, under state
// keys that start with "learn:" and the registry's name: the models of
// each version ("learn:<name>:model:<n>"), the current version, the
// champion ("learn:<name>:champion"), and the list of decisions
// ("learn:<name>:decisions").
//
// A Registry is safe for concurrent use; Offer takes a claim in the store
// so that processes sharing it decide one at a time.
type Registry struct {
	st    StateStore
	name  string
	owner string
	now   func() time.Time
	keep  int
}

// RegistryOption changes a Registry.
type RegistryOption func(*Registry)

// WithName names the registry (default "classifier"): a tenant with
// several schemas keeps a registry per schema.
func WithName(name string) RegistryOption { return func(r *Registry) { r.name = name } }

// WithClock sets the clock of decisions (time.Now by default).
func WithClock(now func() time.Time) RegistryOption { return func(r *Registry) { r.now = now } }

// WithKeep sets how many of the latest versions keep their models (5 by
// default, at least 1); the champion's are always kept. Older models are
// emptied (the store's state has no delete) and Version reports them as
// ErrNoModel; their decisions stay.
func WithKeep(n int) RegistryOption { return func(r *Registry) { r.keep = n } }

// NewRegistry returns a registry over st.
func NewRegistry(st StateStore, opts ...RegistryOption) (*Registry, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: no store", ErrBadOption)
	}
	r := &Registry{st: st, name: "classifier", now: time.Now, keep: 5}
	for _, o := range opts {
		o(r)
	}
	if r.name == "" || casemgmt.ValidateText("registry name", r.name) != nil || r.now == nil || r.keep < 1 {
		return nil, fmt.Errorf("%w: bad registry name or clock", ErrBadOption)
	}
	r.owner = casemgmt.NewID("learn_")
	return r, nil
}

func (r *Registry) key(parts ...string) string {
	k := "learn:" + r.name
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

// Score sums up an evaluation: the means over fields of accuracy, macro-F1
// and calibration error, and the figures of each field.
type Score struct {
	Accuracy         float64 `json:"accuracy"`
	MacroF1          float64 `json:"macro_f1"`
	CalibrationError float64 `json:"calibration_error"`
	// Fields has each field's own figures.
	Fields map[string]FieldScore `json:"fields"`
}

// FieldScore is one field's figures.
type FieldScore struct {
	Records          int     `json:"records"`
	Accuracy         float64 `json:"accuracy"`
	MacroF1          float64 `json:"macro_f1"`
	CalibrationError float64 `json:"calibration_error"`
}

// ScoreOf sums up a report.
func ScoreOf(rep *eval.Report) Score {
	s := Score{Fields: map[string]FieldScore{}}
	if rep == nil || len(rep.Fields) == 0 {
		return s
	}
	for _, f := range rep.Fields {
		s.Fields[f.Field] = FieldScore{Records: f.Records, Accuracy: f.Accuracy, MacroF1: f.MacroF1, CalibrationError: f.CalibrationError}
		s.Accuracy += f.Accuracy
		s.MacroF1 += f.MacroF1
		s.CalibrationError += f.CalibrationError
	}
	n := float64(len(rep.Fields))
	s.Accuracy, s.MacroF1, s.CalibrationError = s.Accuracy/n, s.MacroF1/n, s.CalibrationError/n
	return s
}

// AtLeast reports whether s is at least as good as o: accuracy and
// macro-F1 both at least o's (within 1e-9).
func (s Score) AtLeast(o Score) bool {
	const eps = 1e-9
	return s.Accuracy+eps >= o.Accuracy && s.MacroF1+eps >= o.MacroF1
}

// Decision records one challenger offered to the registry. It is plain
// data.
type Decision struct {
	// Version is the challenger's version (1, 2, ...): every offer gets
	// one, promoted or not.
	Version int       `json:"version"`
	Time    time.Time `json:"time"`
	// Promoted says the challenger became the champion.
	Promoted bool `json:"promoted"`
	// Reason says why, in words.
	Reason string `json:"reason"`
	// Champion is the version that was champion when the offer was made
	// (0 for none), and ChampionScore its evaluation on the challenger's
	// test cases; nil when there was none.
	Champion      int    `json:"champion"`
	ChampionScore *Score `json:"champion_score,omitempty"`
	// ChallengerScore is the challenger's evaluation on its test cases.
	ChallengerScore Score `json:"challenger_score"`
	// Training and Test count the cases trained and evaluated on, and
	// Cutoff is the creation time that separates them.
	Training int       `json:"training"`
	Test     int       `json:"test"`
	Cutoff   time.Time `json:"cutoff"`
}

// Champion is the current model set.
type Champion struct {
	Version int
	Models  map[string]*textclass.Model
	// Fields are the fields the models predict, as trained.
	Fields []predict.Field
	// Score is its evaluation when it was promoted.
	Score Score
}

type bundle struct {
	Version int               `json:"version"`
	Fields  []predict.Field   `json:"fields"`
	Models  map[string][]byte `json:"models"`
	Score   Score             `json:"score"`
}

// Offer records the trained result as a new version and makes it the
// champion when there is none, or when its evaluation is at least as good
// as the champion's on the same test cases (Score.AtLeast): the champion
// is evaluated again on res.Test, so both are measured on the same newer
// cases and fields. A challenger that lacks a field the champion predicts
// is not promoted. The decision is recorded whatever it is, and returned.
func (r *Registry) Offer(ctx context.Context, res *Result) (Decision, error) {
	if res == nil || len(res.Models) == 0 {
		return Decision{}, fmt.Errorf("%w: nothing trained to offer", ErrTooFew)
	}
	claim := r.key("lock")
	for {
		ok, err := r.st.AcquireClaim(ctx, claim, r.owner, time.Minute)
		if err != nil {
			return Decision{}, err
		}
		if ok {
			break
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return Decision{}, ctx.Err()
		case <-t.C:
		}
	}
	defer r.st.ReleaseClaim(context.WithoutCancel(ctx), claim, r.owner) //nolint:errcheck // the claim expires anyway

	past, err := r.Decisions(ctx)
	if err != nil {
		return Decision{}, err
	}
	d := Decision{Version: len(past) + 1, Time: r.now().UTC(), ChallengerScore: ScoreOf(res.Report),
		Training: len(res.Train), Test: len(res.Test), Cutoff: res.Cutoff}
	champ, err := r.Champion(ctx)
	switch {
	case errors.Is(err, ErrNoModel):
		d.Promoted, d.Reason = true, "no champion yet"
	case err != nil:
		return Decision{}, err
	default:
		d.Champion = champ.Version
		// Both are measured on the same cases and the same fields: those
		// of either; a field one of them does not predict scores 0.
		fields := slices.Clone(res.Fields)
		for _, f := range champ.Fields {
			if !slices.ContainsFunc(fields, func(g predict.Field) bool { return g.Name == f.Name }) {
				fields = append(fields, f)
			}
		}
		rep, err := Evaluate(ctx, champ.Models, fields, res.Test, eval.WithThreshold(res.Report.Threshold))
		if err != nil {
			return Decision{}, err
		}
		cs := ScoreOf(rep)
		for _, f := range fields {
			if _, ok := cs.Fields[f.Name]; !ok {
				cs.Fields[f.Name] = FieldScore{}
			}
			if _, ok := d.ChallengerScore.Fields[f.Name]; !ok && labelled(res.Test, f.Name, Weights{1, 1, 1, 0}) > 0 {
				d.ChallengerScore.Fields[f.Name] = FieldScore{}
			}
		}
		for name := range cs.Fields {
			if _, ok := d.ChallengerScore.Fields[name]; !ok {
				delete(cs.Fields, name) // no test case has a label for it
			}
		}
		cs, d.ChallengerScore = rescore(cs), rescore(d.ChallengerScore)
		d.ChampionScore = &cs
		var lacks []string
		for _, f := range champ.Fields {
			if res.Models[f.Name] == nil {
				lacks = append(lacks, f.Name)
			}
		}
		switch {
		case len(lacks) > 0:
			d.Reason = fmt.Sprintf("does not predict %s, which the champion does", strings.Join(lacks, ", "))
		case d.ChallengerScore.AtLeast(cs):
			d.Promoted = true
			d.Reason = fmt.Sprintf("accuracy %.3f ≥ %.3f and macro-F1 %.3f ≥ %.3f", d.ChallengerScore.Accuracy, cs.Accuracy, d.ChallengerScore.MacroF1, cs.MacroF1)
		default:
			d.Reason = fmt.Sprintf("below the champion: accuracy %.3f vs %.3f, macro-F1 %.3f vs %.3f", d.ChallengerScore.Accuracy, cs.Accuracy, d.ChallengerScore.MacroF1, cs.MacroF1)
		}
	}
	b := bundle{Version: d.Version, Fields: res.Fields, Models: map[string][]byte{}, Score: d.ChallengerScore}
	for name, m := range res.Models {
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			return Decision{}, err
		}
		b.Models[name] = buf.Bytes()
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return Decision{}, err
	}
	if err := r.st.PutState(ctx, r.key("model", strconv.Itoa(d.Version)), raw); err != nil {
		return Decision{}, err
	}
	if d.Promoted {
		if err := r.st.PutState(ctx, r.key("champion"), []byte(strconv.Itoa(d.Version))); err != nil {
			return Decision{}, err
		}
	}
	all, err := json.Marshal(append(past, d))
	if err != nil {
		return Decision{}, err
	}
	if err := r.st.PutState(ctx, r.key("decisions"), all); err != nil {
		return Decision{}, err
	}
	// Empty the models of the version that just fell out of the kept
	// ones, unless it is the champion.
	champion := d.Champion
	if d.Promoted {
		champion = d.Version
	}
	if old := d.Version - r.keep; old >= 1 && old != champion {
		if err := r.st.PutState(ctx, r.key("model", strconv.Itoa(old)), nil); err != nil {
			return Decision{}, err
		}
	}
	return d, nil
}

// rescore recomputes the means of s over its fields.
func rescore(s Score) Score {
	if len(s.Fields) == 0 {
		return s
	}
	s.Accuracy, s.MacroF1, s.CalibrationError = 0, 0, 0
	for _, f := range s.Fields {
		s.Accuracy += f.Accuracy
		s.MacroF1 += f.MacroF1
		s.CalibrationError += f.CalibrationError
	}
	n := float64(len(s.Fields))
	s.Accuracy, s.MacroF1, s.CalibrationError = s.Accuracy/n, s.MacroF1/n, s.CalibrationError/n
	return s
}

// Decisions returns every decision made, oldest first.
func (r *Registry) Decisions(ctx context.Context) ([]Decision, error) {
	raw, err := r.st.GetState(ctx, r.key("decisions"))
	if errors.Is(err, casemgmt.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ds []Decision
	if err := json.Unmarshal(raw, &ds); err != nil {
		return nil, fmt.Errorf("learn: decisions of %s: %w", r.name, err)
	}
	return ds, nil
}

// Champion returns the current models, or ErrNoModel.
func (r *Registry) Champion(ctx context.Context) (*Champion, error) {
	raw, err := r.st.GetState(ctx, r.key("champion"))
	if errors.Is(err, casemgmt.ErrNotFound) {
		return nil, ErrNoModel
	}
	if err != nil {
		return nil, err
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil {
		return nil, fmt.Errorf("learn: champion of %s: %w", r.name, err)
	}
	return r.Version(ctx, v)
}

// Version returns the models of a version, champion or not, or
// ErrNoModel.
func (r *Registry) Version(ctx context.Context, v int) (*Champion, error) {
	raw, err := r.st.GetState(ctx, r.key("model", strconv.Itoa(v)))
	if errors.Is(err, casemgmt.ErrNotFound) {
		return nil, fmt.Errorf("%w: version %d", ErrNoModel, v)
	}
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: version %d was pruned", ErrNoModel, v)
	}
	var b bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("learn: version %d of %s: %w", v, r.name, err)
	}
	c := &Champion{Version: b.Version, Fields: b.Fields, Score: b.Score, Models: map[string]*textclass.Model{}}
	for _, name := range sortedKeys(b.Models) {
		m, err := textclass.Read(bytes.NewReader(b.Models[name]))
		if err != nil {
			return nil, fmt.Errorf("learn: version %d of %s, field %s: %w", v, r.name, name, err)
		}
		c.Models[name] = m
	}
	return c, nil
}

// Predictor returns what the agent should predict with: the champion's
// classifier for the fields where its confidence is at least min, and def
// (the zero-shot default, such as the heuristic predictor) for the other
// fields and requests; def alone when there is no champion yet.
func (r *Registry) Predictor(ctx context.Context, def predict.Predictor, min float64) (predict.Predictor, error) {
	if def == nil {
		return nil, predict.ErrNoPredictor
	}
	c, err := r.Champion(ctx)
	if errors.Is(err, ErrNoModel) {
		return def, nil
	}
	if err != nil {
		return nil, err
	}
	gated, err := predict.Confident(textclass.NewPredictor(c.Models), min)
	if err != nil {
		return nil, err
	}
	return predict.Chain(gated, def), nil
}
