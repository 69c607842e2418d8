package predicttest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

func newFields() []predict.Field {
	return []predict.Field{
		{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}, {Value: "Shipping"}}},
		{Name: "serial", Type: predict.TypeText},
	}
}

func request() *predict.Request {
	return &predict.Request{
		Fields:   newFields(),
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "charged twice", To: []channel.Address{{Email: "a@b.example"}}}},
		Known:    map[string]any{"category": "Shipping"},
	}
}

func TestQueuedCallsThenFields(t *testing.T) {
	boom := errors.New("boom")
	p := New().Named("fake").
		Field("category", predict.Prediction{Value: "Billing", Confidence: 0.9, Evidence: []predict.Evidence{{Quote: "charged twice"}}}).
		Then(&predict.Result{Predictions: map[string]predict.Prediction{"serial": {Value: "X", Confidence: 0.5}}}).
		ThenError(boom).
		ThenFunc(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
			return &predict.Result{Predictor: "func", Predictions: map[string]predict.Prediction{"category": {Value: req.Fields[0].Options[1].Value, Confidence: 1}}}, nil
		})
	ctx := context.Background()
	tests := []struct {
		want    *predict.Result
		wantErr error
	}{
		{want: &predict.Result{Predictor: "fake", Predictions: map[string]predict.Prediction{"serial": {Value: "X", Confidence: 0.5}}}},
		{wantErr: boom},
		{want: &predict.Result{Predictor: "func", Predictions: map[string]predict.Prediction{"category": {Value: "Shipping", Confidence: 1}}}},
		{want: &predict.Result{Predictor: "fake", Predictions: map[string]predict.Prediction{"category": {Value: "Billing", Confidence: 0.9, Evidence: []predict.Evidence{{Quote: "charged twice"}}}}}},
		{want: &predict.Result{Predictor: "fake", Predictions: map[string]predict.Prediction{"category": {Value: "Billing", Confidence: 0.9, Evidence: []predict.Evidence{{Quote: "charged twice"}}}}}},
	}
	for i, tc := range tests {
		got, err := p.Predict(ctx, request())
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("call %d: err = %v, want %v", i, err, tc.wantErr)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("call %d (-want +got)\n%s", i, diff)
		}
	}
	if p.Calls() != len(tests) || p.Pending() != 0 {
		t.Errorf("Calls = %d, Pending = %d", p.Calls(), p.Pending())
	}
}

func TestFieldAnswersOnlyRequestedFields(t *testing.T) {
	p := New().Field("serial", predict.Prediction{Value: "SN-1", Confidence: 1}).Field("other", predict.Prediction{Value: "x", Confidence: 1})
	res, err := p.Predict(context.Background(), &predict.Request{Fields: newFields()[1:]})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]predict.Prediction{"serial": {Value: "SN-1", Confidence: 1}}
	if diff := cmp.Diff(want, res.Predictions); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	// A field the request does not name is never answered.
	res, _ = p.Predict(context.Background(), &predict.Request{Fields: newFields()[:1]})
	if len(res.Predictions) != 0 {
		t.Errorf("answered %v", res.Predictions)
	}
}

func TestFieldError(t *testing.T) {
	quota := errors.New("quota")
	p := New().FieldError("serial", quota)
	_, err := p.Predict(context.Background(), request())
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "serial" || !errors.Is(err, quota) {
		t.Fatalf("err = %v", err)
	}
	if _, err := p.Predict(context.Background(), &predict.Request{Fields: newFields()[:1]}); err != nil {
		t.Errorf("a request without the failing field failed: %v", err)
	}
}

func TestRecordsCopies(t *testing.T) {
	p := &Predictor{}
	req := request()
	if _, err := p.Predict(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	want := request()
	// The caller reuses its request: the record must not change.
	req.Fields[0].Options[0].Value = "changed"
	req.Messages[0].Text = "changed"
	req.Messages[0].To[0].Email = "changed"
	req.Known["category"] = "changed"
	got := p.Requests()
	if diff := cmp.Diff([]predict.Request{*want}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	got[0].Messages[0].Text = "mutated copy"
	if p.Requests()[0].Messages[0].Text != "charged twice" {
		t.Error("Requests returned the record itself")
	}
	if diff := cmp.Diff([][]string{{"category", "serial"}}, p.RequestedFields()); diff != "" {
		t.Errorf("RequestedFields (-want +got)\n%s", diff)
	}
	p.Reset()
	if p.Calls() != 0 {
		t.Errorf("Calls after Reset = %d", p.Calls())
	}
}

func TestResultsAreCopies(t *testing.T) {
	p := New().Field("serial", predict.Prediction{Value: "A", Confidence: 1, Evidence: []predict.Evidence{{Quote: "q"}}})
	res, _ := p.Predict(context.Background(), request())
	res.Predictions["serial"].Evidence[0].Quote = "changed"
	res2, _ := p.Predict(context.Background(), request())
	if q := res2.Predictions["serial"].Evidence[0].Quote; q != "q" {
		t.Errorf("script changed through a result: %q", q)
	}
}

func TestContextAndNil(t *testing.T) {
	p := New().ThenError(errors.New("never"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Predict(ctx, request()); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if p.Pending() != 1 {
		t.Errorf("a cancelled call consumed the script")
	}
	if _, err := p.Predict(context.Background(), nil); !errors.Is(err, ErrNilRequest) {
		t.Errorf("err = %v", err)
	}
}

func TestConcurrent(t *testing.T) {
	p := New().Field("category", predict.Prediction{Value: "Billing", Confidence: 1})
	for range 50 {
		p.Then(&predict.Result{})
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 10 {
				if _, err := p.Predict(context.Background(), request()); err != nil {
					t.Error(err)
				}
				_ = p.Requests()
			}
		})
	}
	wg.Wait()
	if p.Calls() != 100 || p.Pending() != 0 {
		t.Errorf("Calls = %d, Pending = %d", p.Calls(), p.Pending())
	}
}

// The fake composes like any predictor: here it answers what another one
// left open.
func TestInChain(t *testing.T) {
	first := New().Named("first").Field("serial", predict.Prediction{Value: "SN-1", Confidence: 1})
	second := New().Named("second").Field("category", predict.Prediction{Value: "Billing", Confidence: 0.7})
	res, err := predict.Chain(first, second).Predict(context.Background(), request())
	if err != nil {
		t.Fatal(err)
	}
	if res.Predictor != "first+second" || len(res.Predictions) != 2 {
		t.Errorf("got %+v", res)
	}
	if diff := cmp.Diff([][]string{{"category"}}, second.RequestedFields()); diff != "" {
		t.Errorf("second was asked (-want +got)\n%s", diff)
	}
}
