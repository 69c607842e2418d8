package learn_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt/learn"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

func TestChampionAndChallenger(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	fill(t, st, makeStories(300, 7), history, 8)
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	reg, err := learn.NewRegistry(st, learn.WithClock(func() time.Time { return clock }), learn.WithKeep(2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Champion(ctx); !errors.Is(err, learn.ErrNoModel) {
		t.Fatalf("Champion of an empty registry: %v, want ErrNoModel", err)
	}
	good, err := learn.Train(ctx, st, testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	// Trained on the agent's values above all, the challenger learns its
	// mistakes back.
	bad, err := learn.Train(ctx, st, testSchema(t), learn.WithWeights(learn.Weights{Person: 1, Agent: 3}))
	if err != nil {
		t.Fatal(err)
	}
	partial, err := learn.Train(ctx, st, testSchema(t), learn.WithFields("category"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name     string
		res      *learn.Result
		promoted bool
		champion int
	}{
		{"first model, no champion", good, true, 1},
		{"worse challenger", bad, false, 1},
		{"as good as the champion", good, true, 3},
		{"lacks a field of the champion", partial, false, 3},
	}
	for i, s := range steps {
		d, err := reg.Offer(ctx, s.res)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %+v", s.name, d)
		if d.Version != i+1 || d.Promoted != s.promoted {
			t.Errorf("%s: version %d promoted %v, want %d %v (%s)", s.name, d.Version, d.Promoted, i+1, s.promoted, d.Reason)
		}
		if i > 0 && d.ChampionScore == nil {
			t.Errorf("%s: the decision lacks the champion's evaluation", s.name)
		}
		c, err := reg.Champion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != s.champion {
			t.Errorf("after %s: champion %d, want %d", s.name, c.Version, s.champion)
		}
	}
	ds, err := reg.Decisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != len(steps) {
		t.Fatalf("%d decisions recorded, want %d", len(ds), len(steps))
	}
	if d := ds[1]; d.ChampionScore.Accuracy <= d.ChallengerScore.Accuracy || !d.Time.Equal(clock) || d.Champion != 1 {
		t.Errorf("the refusal records %+v", d)
	}
	// With two versions kept, 1 and 2 have fallen out; 3 (the champion)
	// and 4 are kept.
	for v, kept := range map[int]bool{1: false, 2: false, 3: true, 4: true} {
		if _, err := reg.Version(ctx, v); kept != (err == nil) || (!kept && !errors.Is(err, learn.ErrNoModel)) {
			t.Errorf("version %d: %v, want kept %v", v, err, kept)
		}
	}
	// A registry opened again on the store reads the same champion.
	again, err := learn.NewRegistry(st)
	if err != nil {
		t.Fatal(err)
	}
	c, err := again.Champion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 3 || len(c.Models) != 2 {
		t.Errorf("reopened: champion %d with %d models, want 3 with 2", c.Version, len(c.Models))
	}
}

// A tenant without history keeps the default; with a champion, the chain
// takes the classifier where it is confident and the default elsewhere.
func TestRegistryPredictor(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	reg, err := learn.NewRegistry(st)
	if err != nil {
		t.Fatal(err)
	}
	def := predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
		out := &predict.Result{Predictor: "default", Predictions: map[string]predict.Prediction{}}
		for _, f := range req.Fields {
			out.Predictions[f.Name] = predict.Prediction{Value: f.Options[0].Value, Confidence: 0.3}
		}
		return out, nil
	})
	fields := []predict.Field{testField(t, "category"), testField(t, "priority")}
	ask := func(p predict.Predictor, text string) *predict.Result {
		t.Helper()
		res, err := p.Predict(ctx, &predict.Request{Fields: fields, Messages: []channel.Message{
			{ID: "m1", Role: channel.RoleCustomer, Direction: channel.Inbound, Text: text},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	p, err := reg.Predictor(ctx, def, 0.6)
	if err != nil {
		t.Fatal(err)
	}
	if res := ask(p, "my parcel has not arrived yet"); res.Predictor != "default" {
		t.Errorf("no history: answered by %q, want the default", res.Predictor)
	}
	fill(t, st, makeStories(300, 9), history, 10)
	res, err := learn.Train(ctx, st, testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Offer(ctx, res); err != nil {
		t.Fatal(err)
	}
	const min = 0.9
	if p, err = reg.Predictor(ctx, def, min); err != nil {
		t.Fatal(err)
	}
	champ, err := reg.Champion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ways := map[string]int{}
	for _, text := range []string{
		"Hello, my parcel has not arrived yet and the tracking number shows no movement for a week.",
		"I was charged twice, and the device does not turn on. This is urgent!",
		"Hi team, I want to return the item, the screen flickers.",
		"Please help.", "zzz", "I cannot log in to my account. ASAP please.",
	} {
		got := ask(p, text)
		for _, f := range fields {
			label, conf := champ.Models[f.Name].Classify(text)
			want := predict.Prediction{Value: f.Options[0].Value, Confidence: 0.3}
			way := "default"
			if conf >= min {
				want, way = predict.Prediction{Value: label, Confidence: conf}, "classifier"
			}
			ways[way]++
			if pr := got.Predictions[f.Name]; pr.Value != want.Value || pr.Confidence != want.Confidence {
				t.Errorf("%q, %s: %v, want the %s's %v", text, f.Name, pr, way, want)
			}
		}
	}
	if ways["default"] == 0 || ways["classifier"] == 0 {
		t.Errorf("answers by %v: the texts do not show both ways", ways)
	}
}

// Offers made at once by several processes sharing the store each get
// their own version and decision.
func TestOfferConcurrent(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	fill(t, st, makeStories(200, 12), history, 13)
	res, err := learn.Train(ctx, st, testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			reg, err := learn.NewRegistry(st)
			if err == nil {
				_, err = reg.Offer(ctx, res)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	reg, err := learn.NewRegistry(st)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := reg.Decisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	for _, d := range ds {
		versions = append(versions, d.Version)
		if !d.Promoted {
			t.Errorf("version %d, as good as the champion, was not promoted: %s", d.Version, d.Reason)
		}
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4}, versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
}
