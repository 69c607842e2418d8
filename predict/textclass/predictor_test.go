package textclass

import (
	"context"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/google/go-cmp/cmp"
)

func TestCustomerText(t *testing.T) {
	msgs := []channel.Message{
		{Role: channel.RoleCustomer, Subject: "Refund please", Text: "I was charged twice.", Quoted: "> old", Signature: "Ann"},
		{Role: channel.RoleRepresentative, Subject: "Re: Refund please", Text: "Which invoice?"},
		{Role: channel.RoleCustomer, Subject: "RE: Fwd: refund please", Text: "  Invoice 42.  "},
		{Role: channel.RoleCustomer, AutoReply: true, Text: "I am out of office"},
		{Role: channel.RoleSystem, Text: "Delivery failed"},
		{Role: channel.RoleCustomer, Subject: "Also: login", Text: ""},
	}
	want := "Refund please\n\nI was charged twice.\n\nInvoice 42.\n\nAlso: login"
	if got := CustomerText(msgs); got != want {
		t.Errorf("CustomerText = %q, want %q", got, want)
	}
	if got := CustomerText(nil); got != "" {
		t.Errorf("CustomerText(nil) = %q", got)
	}
}

func TestPredictor(t *testing.T) {
	m := trainFixture(t)
	p := NewPredictor(map[string]*Model{"category": m, "unused": nil})
	options := []predict.Option{{Value: "Billing"}, {Value: "Shipping"}, {Value: "Account"}}
	req := &predict.Request{
		Fields: []predict.Field{
			{Name: "category", Type: predict.TypeChoice, Options: options},
			{Name: "priority", Type: predict.TypeChoice, Options: []predict.Option{{Value: "high"}}},
		},
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "Hello there. I was charged twice, please refund the invoice!\nThanks"}},
	}
	res, err := p.Predict(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	label, conf := m.Classify("Hello there. I was charged twice, please refund the invoice!\nThanks")
	if label != "billing" {
		t.Fatalf("model says %q", label)
	}
	want := map[string]predict.Prediction{"category": {Value: "Billing", Confidence: conf, Evidence: []predict.Evidence{
		{MessageID: "m1", Quote: "I was charged twice, please refund the invoice!"},
	}}}
	if diff := cmp.Diff(want, res.Predictions); diff != "" {
		t.Errorf("predictions (-want +got):\n%s", diff)
	}
	if kept, drops := predict.Validate(req, res); len(drops) != 0 || len(kept) != 1 {
		t.Errorf("Check kept %v, dropped %v", kept, drops)
	}

	// A label outside the options is abstained on ("defect" is not offered).
	req.Messages[0].Text = "the router keeps rebooting, the port is dead"
	res, err = p.Predict(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Predictions) != 0 {
		t.Errorf("predicted %v for a label outside the options", res.Predictions)
	}

	// Nothing from the customer: nothing predicted.
	req.Messages = []channel.Message{{Role: channel.RoleRepresentative, Text: "refund issued"}}
	if res, err = p.Predict(context.Background(), req); err != nil || len(res.Predictions) != 0 {
		t.Errorf("without customer text: %v, %v", res, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Predict(ctx, req); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestSentences(t *testing.T) {
	got := sentences("Hi. My order (no. 3.5) is late!Really?  Yes\n\nsecond line\r\nv1.2 fails ")
	want := []string{"Hi.", "My order (no.", "3.5) is late!Really?", "Yes", "second line", "v1.2 fails"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sentences (-want +got):\n%s", diff)
	}
}

func TestEvidence(t *testing.T) {
	m := trainFixture(t)
	text := "Good morning!\nMy parcel has not arrived. Also the invoice has an extra fee."
	tests := []struct{ label, want string }{
		{"shipping", "My parcel has not arrived."},
		{"billing", "Also the invoice has an extra fee."},
		{"no such label", ""},
	}
	for _, tt := range tests {
		if got := m.Evidence(text, tt.label); got != tt.want {
			t.Errorf("Evidence(%q) = %q, want %q", tt.label, got, tt.want)
		}
	}
	if got := m.Evidence("§§ ---", "billing"); got != "" {
		t.Errorf("Evidence without features = %q", got)
	}
}
