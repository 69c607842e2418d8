package predict_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/fieldpattern"
	"github.com/caseagent/caseagent/predict"
)

var schema = []predict.Field{
	{Name: "title", Type: predict.TypeText},
	{Name: "notes", Type: predict.TypeText, Multiline: true},
	{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}, {Value: "How-to"}}},
	{Name: "product", Type: predict.TypeLookup, Options: []predict.Option{{Value: "P-X200", Label: "X200 Router"}}},
	{Name: "contact", Type: predict.TypeLookup, Lookup: predict.LookupContacts},
	{Name: "serial", Type: predict.TypeText, Pattern: "SN-[A-Z0-9]{8}"},
	{Name: "reply_to", Type: predict.TypeEmail},
	{Name: "urgent", Type: predict.TypeBool},
	{Name: "devices", Type: predict.TypeInteger},
	{Name: "amount", Type: predict.TypeCurrency},
}

var messages = []channel.Message{
	{ID: "m1", Role: channel.RoleCustomer, Subject: "Router  DEAD", From: channel.Address{Name: "Ana Lima", Email: "ana@example.org"},
		Text: "My X200 died.\nSerial SN-4K2P9Q7Z.", Quoted: "> old serial SN-OLDOLD11 and charged twice", Signature: "Ana\n+1 415 555 0101"},
	{ID: "m2", Role: channel.RoleRepresentative, Text: "Thanks, I will look."},
}

func request() *predict.Request { return &predict.Request{Fields: schema, Messages: messages} }

func ev(q string) []predict.Evidence { return []predict.Evidence{{MessageID: "m1", Quote: q}} }

func TestCheck(t *testing.T) {
	res := &predict.Result{Predictions: map[string]predict.Prediction{
		// kept, some normalised
		"title":    {Value: "  Router\ndead  ", Confidence: 0.8, Evidence: ev("router dead")},
		"notes":    {Value: "line one\nline two", Confidence: 0.5},
		"category": {Value: "billing", Confidence: 1},
		"product":  {Value: "p-x200", Confidence: 0.9, Evidence: ev("my   x200\tDIED")},
		"contact":  {Value: "C-1", Confidence: 0.99},
		"serial":   {Value: "SN-4K2P9Q7Z", Confidence: 0.9, Evidence: ev("SN-4K2P9Q7Z")},
		"reply_to": {Value: "ana@example.org", Confidence: 0.7, Evidence: ev("ana@example.org")},
		"urgent":   {Value: true, Confidence: 0.6, Evidence: []predict.Evidence{{Quote: "I will look"}}},
		"devices":  {Value: float64(3), Confidence: 0.6, Evidence: ev("+1 415 555 0101")},
		"amount":   {Value: 9.999, Confidence: 0.6, Evidence: ev("Ana Lima")},
	}}
	kept, drops := predict.Validate(request(), res)
	want := map[string]any{
		"title": "Router dead", "notes": "line one\nline two", "category": "Billing", "product": "P-X200", "contact": "C-1",
		"serial": "SN-4K2P9Q7Z", "reply_to": "ana@example.org", "urgent": true, "devices": int64(3), "amount": 10.0,
	}
	got := map[string]any{}
	for k, p := range kept {
		got[k] = p.Value
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kept (-want +got)\n%s", diff)
	}
	if len(drops) != 0 {
		t.Errorf("drops: %+v", drops)
	}
	// Check never modifies the result it was given.
	if res.Predictions["category"].Value != "billing" {
		t.Error("Check modified the result")
	}
}

func TestCheckDrops(t *testing.T) {
	tests := []struct {
		field  string
		pred   predict.Prediction
		reason string // a part of the reason
	}{
		{"unknown", predict.Prediction{Value: "x", Confidence: 1}, "not requested"},
		{"title", predict.Prediction{Value: 3, Confidence: 1}, "must be text"},
		{"title", predict.Prediction{Value: "   ", Confidence: 1}, "empty value"},
		{"title", predict.Prediction{Value: nil, Confidence: 1}, "no value"},
		{"category", predict.Prediction{Value: "Shipping", Confidence: 1}, "not one of the options"},
		{"product", predict.Prediction{Value: "X200 Router", Confidence: 1}, "not one of the options"},
		{"serial", predict.Prediction{Value: "SN-4k2p9q7z", Confidence: 1}, "does not match the pattern"},
		{"serial", predict.Prediction{Value: "xSN-4K2P9Q7Z", Confidence: 1}, "does not match the pattern"},
		{"reply_to", predict.Prediction{Value: "ana at example", Confidence: 1}, "not an email address"},
		{"urgent", predict.Prediction{Value: "yes", Confidence: 1}, "must be true or false"},
		{"devices", predict.Prediction{Value: 2.5, Confidence: 1}, "not an integer"},
		{"devices", predict.Prediction{Value: "2", Confidence: 1}, "must be a number"},
		{"amount", predict.Prediction{Value: math.Inf(1), Confidence: 1}, "not an amount"},
		{"title", predict.Prediction{Value: "t", Confidence: 1.5}, "outside [0,1]"},
		{"title", predict.Prediction{Value: "t", Confidence: -0.1}, "outside [0,1]"},
		{"title", predict.Prediction{Value: "t", Confidence: math.NaN()}, "outside [0,1]"},
		{"title", predict.Prediction{Value: "t", Confidence: 1, Evidence: ev("never said")}, "does not occur"},
		{"title", predict.Prediction{Value: "t", Confidence: 1, Evidence: ev("  ")}, "does not occur"},
		// Quoted history is not evidence.
		{"serial", predict.Prediction{Value: "SN-OLDOLD11", Confidence: 1, Evidence: ev("old serial SN-OLDOLD11")}, "does not occur"},
		{"category", predict.Prediction{Value: "Billing", Confidence: 1, Evidence: ev("charged twice")}, "does not occur"},
	}
	for _, tc := range tests {
		t.Run(tc.field+" "+tc.reason, func(t *testing.T) {
			res := &predict.Result{Predictions: map[string]predict.Prediction{tc.field: tc.pred}}
			kept, drops := predict.Validate(request(), res)
			if len(kept) != 0 || len(drops) != 1 {
				t.Fatalf("kept %v, drops %v", kept, drops)
			}
			if drops[0].Field != tc.field || !strings.Contains(drops[0].Reason, tc.reason) {
				t.Errorf("drop %+v, want reason with %q", drops[0], tc.reason)
			}
		})
	}
}

func TestCheckBadPatternAndNil(t *testing.T) {
	req := &predict.Request{Fields: []predict.Field{{Name: "code", Type: predict.TypeText, Pattern: "([a-z"}}}
	_, drops := predict.Validate(req, &predict.Result{Predictions: map[string]predict.Prediction{"code": {Value: "abc", Confidence: 1}}})
	if len(drops) != 1 || !strings.Contains(drops[0].Reason, "bad pattern") {
		t.Errorf("drops = %+v", drops)
	}
	kept, drops := predict.Validate(req, nil)
	if len(kept) != 0 || drops != nil {
		t.Errorf("Check(nil) = %v, %v", kept, drops)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		field predict.Field
		in    any
		want  any
	}{
		{schema[0], " a\r\n b ", "a b"},
		{schema[1], " a\n b ", "a\n b"},
		{schema[2], "HOW-TO", "How-to"},
		{schema[4], "C-77", "C-77"}, // directory lookups are not resolved
		{schema[8], 7, int64(7)},
		{schema[8], int32(7), int64(7)},
		{schema[8], float64(1 << 40), int64(1 << 40)},
		{schema[9], 12, 12.0},
		{schema[9], int64(12), 12.0},
		{schema[9], 12.345, 12.35},
	}
	for _, tc := range tests {
		got, err := tc.field.Normalize(tc.in)
		if err != nil {
			t.Errorf("%s %v: %v", tc.field.Name, tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s %v (-want +got)\n%s", tc.field.Name, tc.in, diff)
		}
	}
	for _, bad := range []struct {
		field predict.Field
		in    any
	}{
		{schema[8], float64(1 << 60)}, {schema[8], math.NaN()}, {schema[9], math.NaN()}, {schema[9], "1"},
		{predict.Field{Name: "x", Type: "date"}, "2025-01-01"},
	} {
		if _, err := bad.field.Normalize(bad.in); err == nil {
			t.Errorf("%s %v: no error", bad.field.Name, bad.in)
		}
	}
}

func TestFieldAndRequestHelpers(t *testing.T) {
	for _, ft := range []predict.FieldType{predict.TypeText, predict.TypeChoice, predict.TypeLookup, predict.TypeBool, predict.TypeInteger, predict.TypeCurrency, predict.TypeEmail} {
		if !ft.Valid() {
			t.Errorf("%s not valid", ft)
		}
	}
	if predict.FieldType("date").Valid() {
		t.Error("date is valid")
	}
	if schema[4].HasOptions() || !schema[3].HasOptions() || !schema[2].HasOptions() {
		t.Error("HasOptions")
	}
	if o, ok := schema[3].Option("p-X200"); !ok || o.Label != "X200 Router" {
		t.Errorf("Option = %v, %v", o, ok)
	}
	req := request()
	if f, ok := req.Field("serial"); !ok || f.Pattern == "" {
		t.Error("Field(serial)")
	}
	if _, ok := req.Field("nope"); ok {
		t.Error("Field(nope)")
	}
	if _, err := fieldpattern.Compile("SN-[0-9"); err == nil {
		t.Error("CompilePattern accepted a bad pattern")
	}
	re, _ := fieldpattern.Compile("a|b")
	if re.MatchString("ab") || !re.MatchString("b") {
		t.Error("CompilePattern does not anchor alternations")
	}
	var u predict.Usage
	u.Add(predict.Usage{Calls: 1, PromptTokens: 2, CompletionTokens: 3, TotalTokens: 5, Cost: 0.5})
	u.Add(predict.Usage{Calls: 1, TotalTokens: 1, Cost: 0.25})
	if diff := cmp.Diff(predict.Usage{Calls: 2, PromptTokens: 2, CompletionTokens: 3, TotalTokens: 6, Cost: 0.75}, u); diff != "" {
		t.Errorf("Usage (-want +got)\n%s", diff)
	}
}

// Evidence counts where the customer said it (subject, sender, new text,
// signature) but not in quoted history, and Check names the message that
// holds each quote: the one the predictor named when it holds the quote,
// else the latest one that does.
func TestCheckLocatesEvidence(t *testing.T) {
	req := &predict.Request{Fields: schema, Messages: append(slices.Clone(messages),
		channel.Message{ID: "m3", Role: channel.RoleCustomer, Text: "Again: serial SN-4K2P9Q7Z."})}
	for _, tc := range []struct {
		quote, named, want string
	}{
		{"router dead", "", "m1"},
		{"Ana Lima", "m2", "m1"},
		{"+1 415 555 0101", "", "m1"},
		{"thanks, I will look.", "", "m2"},
		{"SN-4K2P9Q7Z", "", "m3"},
		{"SN-4K2P9Q7Z", "m1", "m1"},
		{"sn-4k2p9q7z", "m2", "m3"},
	} {
		res := &predict.Result{Predictions: map[string]predict.Prediction{
			"notes": {Value: "x", Confidence: 0.5, Evidence: []predict.Evidence{{MessageID: tc.named, Quote: tc.quote}}}}}
		kept, drops := predict.Validate(req, res)
		if len(drops) > 0 {
			t.Errorf("%q: dropped: %v", tc.quote, drops)
			continue
		}
		if got := kept["notes"].Evidence[0].MessageID; got != tc.want {
			t.Errorf("%q named %q: MessageID %q, want %q", tc.quote, tc.named, got, tc.want)
		}
		if res.Predictions["notes"].Evidence[0].MessageID != tc.named {
			t.Errorf("%q: Check changed the result it was given", tc.quote)
		}
	}
	for _, quote := range []string{"old serial", "charged twice"} {
		res := &predict.Result{Predictions: map[string]predict.Prediction{
			"notes": {Value: "x", Confidence: 0.5, Evidence: []predict.Evidence{{Quote: quote}}}}}
		if _, drops := predict.Validate(req, res); len(drops) != 1 {
			t.Errorf("%q from quoted history was kept as evidence", quote)
		}
	}
}

// fixed answers the given predictions for the requested fields only, and
// counts its calls.
type fixed struct {
	name  string
	preds map[string]predict.Prediction
	usage predict.Usage
	err   error
	calls atomic.Int32
	asked [][]string
}

func (f *fixed) Predict(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	f.calls.Add(1)
	var names []string
	for _, fl := range req.Fields {
		names = append(names, fl.Name)
	}
	f.asked = append(f.asked, names)
	if f.err != nil {
		return nil, f.err
	}
	res := &predict.Result{Predictions: map[string]predict.Prediction{}, Usage: f.usage, Predictor: f.name}
	for _, fl := range req.Fields {
		if p, ok := f.preds[fl.Name]; ok {
			res.Predictions[fl.Name] = p
		}
	}
	return res, nil
}

func TestChain(t *testing.T) {
	a := &fixed{name: "a", preds: map[string]predict.Prediction{"serial": {Value: "SN-4K2P9Q7Z", Confidence: 1}}, usage: predict.Usage{Calls: 0}}
	b := &fixed{name: "b", preds: map[string]predict.Prediction{"serial": {Value: "SN-OTHER000", Confidence: 1}, "category": {Value: "Billing", Confidence: 0.7}}, usage: predict.Usage{Calls: 1, TotalTokens: 10}}
	c := &fixed{name: "c"}
	req := &predict.Request{Fields: schema[2:6:6], Messages: messages}
	res, err := predict.Chain(a, b, c).Predict(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := &predict.Result{
		Predictions: map[string]predict.Prediction{"serial": {Value: "SN-4K2P9Q7Z", Confidence: 1}, "category": {Value: "Billing", Confidence: 0.7}},
		Usage:       predict.Usage{Calls: 1, TotalTokens: 10},
		Predictor:   "a+b",
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	wantAsked := [][][]string{{{"category", "product", "contact", "serial"}}, {{"category", "product", "contact"}}, {{"product", "contact"}}}
	if diff := cmp.Diff(wantAsked, [][][]string{a.asked, b.asked, c.asked}); diff != "" {
		t.Errorf("asked (-want +got)\n%s", diff)
	}
	// Everything answered: later predictors are not asked.
	d := &fixed{name: "d"}
	one := &predict.Request{Fields: schema[5:6]}
	if _, err := predict.Chain(a, d).Predict(context.Background(), one); err != nil || d.calls.Load() != 0 {
		t.Errorf("err %v, later predictor called %d times", err, d.calls.Load())
	}
	// An error ends the chain.
	boom := errors.New("boom")
	if _, err := predict.Chain(a, &fixed{err: boom}, c).Predict(context.Background(), req); !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
	if _, err := predict.Chain().Predict(context.Background(), req); !errors.Is(err, predict.ErrNoPredictor) {
		t.Errorf("empty chain err = %v", err)
	}
	// A nil result is skipped.
	nilRes := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) { return nil, nil })
	res, err = predict.Chain(nilRes, b).Predict(context.Background(), req)
	if err != nil || res.Predictor != "b" {
		t.Errorf("res %+v, err %v", res, err)
	}
}

func TestFallback(t *testing.T) {
	e1, e2 := errors.New("first down"), errors.New("second down")
	ok := &fixed{name: "ok", preds: map[string]predict.Prediction{"category": {Value: "Billing", Confidence: 1}}}
	req := &predict.Request{Fields: schema[2:3]}
	res, err := predict.Fallback(&fixed{err: e1}, nil, ok).Predict(context.Background(), req)
	if err != nil || res.Predictor != "ok" {
		t.Fatalf("res %+v, err %v", res, err)
	}
	_, err = predict.Fallback(&fixed{err: e1}, &fixed{err: e2}).Predict(context.Background(), req)
	if !errors.Is(err, e1) || !errors.Is(err, e2) {
		t.Errorf("err = %v, want both joined", err)
	}
	// A cancelled context is not something to fall back on.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	later := &fixed{name: "later"}
	_, err = predict.Fallback(predict.Func(func(ctx context.Context, _ *predict.Request) (*predict.Result, error) { return nil, ctx.Err() }), later).Predict(ctx, req)
	if !errors.Is(err, context.Canceled) || later.calls.Load() != 0 {
		t.Errorf("err %v, fallback called %d times", err, later.calls.Load())
	}
	if _, err := predict.Fallback(nil).Predict(context.Background(), req); !errors.Is(err, predict.ErrNoPredictor) {
		t.Errorf("err = %v", err)
	}
}

func keys(m map[string]predict.Prediction) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCheckKeepsOnlyRequested(t *testing.T) {
	req := &predict.Request{Fields: schema[2:3], Messages: messages}
	res := &predict.Result{Predictions: map[string]predict.Prediction{
		"category": {Value: "How-to", Confidence: 0.5}, "serial": {Value: "SN-4K2P9Q7Z", Confidence: 1},
	}}
	kept, drops := predict.Validate(req, res)
	if diff := cmp.Diff([]string{"category"}, keys(kept)); diff != "" {
		t.Errorf("kept (-want +got)\n%s", diff)
	}
	if len(drops) != 1 || drops[0].Field != "serial" {
		t.Errorf("drops = %+v", drops)
	}
}
