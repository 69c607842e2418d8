package agent_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/internal/agenttest"
	"github.com/caseagent/caseagent/casemgmt/learn"
	"github.com/caseagent/caseagent/predict"
)

// A rejected value is cleared and not proposed again from the same
// evidence; new evidence proposes it again; an accepted one becomes the
// representative's; the report shows the precision people saw.
func TestFeedback(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	conv, c := f.Created(t, "conv-1", hello, "It's a defect, I think.")
	defect := map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.9, Quote: "defect"}}
	f.Pred.Set(defect)
	agenttest.Say(conv, "rep: Thanks")
	if _, err := f.Agent.ConversationEnded(ctx, conv, "rep-1"); err != nil {
		t.Fatal(err)
	}
	if got := f.CaseOf(t, "conv-1").Fields["category"]; got != "Product defect" {
		t.Fatalf("category %v, want the agent's Product defect", got)
	}

	res, err := f.Agent.RejectValue(ctx, c.ID, "category", "rep-7")
	if err != nil {
		t.Fatal(err)
	}
	got := f.CaseOf(t, "conv-1")
	if _, ok := got.Fields["category"]; ok || res.Outcome != casemgmt.OutcomeUpdated {
		t.Fatalf("after rejection: category %v (%s), want none", got.Fields["category"], res.Outcome)
	}
	audit := f.Audit(t, c.ID)
	last := audit[len(audit)-1]
	want := casemgmt.AuditEntry{Field: "category", Old: "Product defect", Actor: casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-7"}, Reason: learn.ReasonRejected}
	if last.Field != want.Field || last.Old != want.Old || last.New != nil || last.Actor != want.Actor || last.Reason != want.Reason || last.Time.IsZero() || len(last.Evidence) != 1 {
		t.Errorf("rejection recorded as %+v, want %+v with the agent's evidence and a time", last, want)
	}

	// The customer writes again; the prediction quotes the same words.
	agenttest.Say(conv, "Any news?")
	res, err = f.Agent.ConversationEnded(ctx, conv, "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := f.CaseOf(t, "conv-1").Fields["category"]; ok {
		t.Errorf("the rejected value came back from the same evidence: %v", v)
	}
	if fo := fieldOutcome(res.Interaction, "category"); fo.Reason != "rejected by a representative on the same evidence" {
		t.Errorf("the run says of category: %+v", fo)
	}

	// New evidence: the value is proposed again.
	agenttest.Say(conv, "The screen went black, it is a hardware fault.")
	f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.9, Quote: "hardware fault"}})
	if _, err := f.Agent.ConversationEnded(ctx, conv, "rep-1"); err != nil {
		t.Fatal(err)
	}
	if got := f.CaseOf(t, "conv-1").Fields["category"]; got != "Product defect" {
		t.Fatalf("with new evidence: category %v, want Product defect again", got)
	}

	if _, err := f.Agent.AcceptValue(ctx, c.ID, "category", "rep-7"); err != nil {
		t.Fatal(err)
	}
	got = f.CaseOf(t, "conv-1")
	if p := got.Provenance["category"]; got.Fields["category"] != "Product defect" || p.Actor.Kind != casemgmt.ActorPerson || len(p.Evidence) != 1 {
		t.Errorf("accepted value %v with provenance %+v, want kept, the person's, with its evidence", got.Fields["category"], p)
	}
	// The accepted value is the representative's now: the agent leaves it.
	agenttest.Say(conv, "Actually it may be the cable.")
	f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Question", Conf: 0.95, Quote: "may be the cable"}})
	if _, err := f.Agent.ConversationEnded(ctx, conv, "rep-1"); err != nil {
		t.Fatal(err)
	}
	if v := f.CaseOf(t, "conv-1").Fields["category"]; v != "Product defect" {
		t.Errorf("the agent replaced an accepted value with %v", v)
	}
	if _, err := f.Agent.AcceptValue(ctx, c.ID, "category", "rep-7"); !errors.Is(err, agent.ErrNoAgentValue) {
		t.Errorf("accepting a person's value: %v, want ErrNoAgentValue", err)
	}

	// Closed, the case trains the classifier with the accepted value as
	// a label a person gave.
	if _, err := f.Agent.EditCase(ctx, c.ID, "rep-7", map[string]any{"status": "closed"}); err != nil {
		t.Fatal(err)
	}
	field, _ := f.Config.Schema().Field("category")
	cases, err := learn.Collect(ctx, f.Store, []predictField{field.PredictField()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 || cases[0].Labels["category"] != (learn.Label{Value: "Product defect", Kind: learn.Accepted}) {
		t.Errorf("training reads %+v, want the accepted value", cases)
	}

	rep, err := f.Agent.FeedbackReport(ctx, c.CreatedAt)
	if err != nil {
		t.Fatal(err)
	}
	var cat agent.FieldFeedback
	for _, ff := range rep {
		if ff.Field == "category" {
			cat = ff
		}
	}
	wantCat := agent.FieldFeedback{Field: "category", Written: 2, Accepted: 1, Rejected: 1, Precision: 0.5, PrecisionWithCorrections: 0.5}
	if diff := cmp.Diff(wantCat, cat); diff != "" {
		t.Errorf("feedback report (-want +got):\n%s", diff)
	}
}

func TestFeedbackErrors(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	_, c := f.Created(t, "conv-1", hello)
	tests := []struct {
		name, caseID, field, rep string
		want                     error
	}{
		{"unknown case", "nope", "category", "rep-1", casemgmt.ErrNotFound},
		{"unknown field", c.ID, "colour", "rep-1", casemgmt.ErrInvalid},
		{"no representative", c.ID, "category", "", casemgmt.ErrInvalid},
		{"no value", c.ID, "category", "rep-1", agent.ErrNoAgentValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, call := range []func(context.Context, string, string, string) (*agent.Result, error){f.Agent.AcceptValue, f.Agent.RejectValue} {
				if _, err := call(ctx, tt.caseID, tt.field, tt.rep); !errors.Is(err, tt.want) {
					t.Errorf("%v, want %v", err, tt.want)
				}
			}
		})
	}
}

// A correction by a person counts in the report, and the feedback of a
// case trains the classifier: an accepted value is a label people gave.
func TestFeedbackCorrectionsAndLabels(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	conv, c := f.Created(t, "conv-1", hello, "It's a defect, I think.")
	f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.9, Quote: "defect"}})
	agenttest.Say(conv, "rep: Thanks")
	if _, err := f.Agent.ConversationEnded(ctx, conv, "rep-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Agent.EditCase(ctx, c.ID, "rep-2", map[string]any{"category": "Question", "status": "resolved"}); err != nil {
		t.Fatal(err)
	}
	rep, err := f.Agent.FeedbackReport(ctx, c.CreatedAt)
	if err != nil {
		t.Fatal(err)
	}
	for _, ff := range rep {
		if ff.Field == "category" && (ff.Corrected != 1 || ff.PrecisionWithCorrections != 0) {
			t.Errorf("category: %+v, want one correction", ff)
		}
	}
	field, _ := f.Config.Schema().Field("category")
	cases, err := learn.Collect(ctx, f.Store, []predictField{field.PredictField()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 || cases[0].Labels["category"] != (learn.Label{Value: "Question", Kind: learn.Person}) {
		t.Errorf("training reads %+v, want the person's correction", cases)
	}
}

type predictField = predict.Field
