package agent_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/internal/agenttest"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

const (
	hello  = "Hi, my router keeps rebooting every few minutes."
	serial = "The X200. Serial SN-4K2P9Q7Z."
)

func TestNewAgentRefusesBadInput(t *testing.T) {
	cfg := agenttest.Tenant(t, nil)
	pred := (&agenttest.Scripted{}).Predictor()
	store := agenttest.NewFixture(t, nil).Store
	for name, tc := range map[string]struct {
		store casemgmt.Store
		pred  predict.Predictor
		cfg   *agent.Config
		opts  []agent.Option
	}{
		"no store":          {nil, pred, cfg, nil},
		"no predictor":      {store, nil, cfg, nil},
		"no configuration":  {store, pred, nil, nil},
		"confidence over 1": {store, pred, cfg, []agent.Option{agent.WithMinConfidence(1.5)}},
		"negative":          {store, pred, cfg, []agent.Option{agent.WithMinConfidence(-0.1)}},
		"NaN":               {store, pred, cfg, []agent.Option{agent.WithMinConfidence(nan())}},
		"nil clock":         {store, pred, cfg, []agent.Option{agent.WithClock(nil)}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := agent.New(tc.store, tc.pred, tc.cfg, tc.opts...); !errors.Is(err, casemgmt.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	// New compiles the configuration as it is: a condition changed after
	// it was loaded that does not compile is refused with the rule's name.
	bad := agenttest.Tenant(t, nil)
	bad.UpdateRules[0].When = []byte(`{"field": "category", "op": "equals", "value": "Defect"}`)
	if _, err := agent.New(store, pred, bad); err == nil || !strings.Contains(err.Error(), "defect details") {
		t.Fatalf("a misspelt option in a rule: err = %v, want an error naming the rule", err)
	}
}

func nan() float64 { var z float64; return z / z }

func TestCreatePolicy(t *testing.T) {
	type want struct {
		outcome casemgmt.Outcome
		reason  string // a part of the reason
		fields  casemgmt.Values
	}
	desc := agenttest.Answer{Value: hello, Conf: 0.9, Quote: "router keeps rebooting"}
	for _, tc := range []struct {
		name    string
		require string
		minConf float64
		table   map[string]agenttest.Answer
		want    want
	}{
		{"all, both known", "all", 0, map[string]agenttest.Answer{"issue_description": desc, "contact": {Value: "C-1", Conf: 0.8, Quote: ""}},
			want{casemgmt.OutcomeCreated, "", casemgmt.Values{"issue_description": hello, "contact": "C-1", "origin": "Chat"}}},
		{"all, contact not predicted", "all", 0, map[string]agenttest.Answer{"issue_description": desc},
			want{casemgmt.OutcomeSkipped, "missing: contact (not predicted)", nil}},
		{"all, contact below the default 0.5", "all", 0, map[string]agenttest.Answer{"issue_description": desc, "contact": {Value: "C-1", Conf: 0.4, Quote: ""}},
			want{casemgmt.OutcomeSkipped, "contact (confidence 0.40 below 0.50)", nil}},
		{"all, contact not in the directory", "all", 0, map[string]agenttest.Answer{"issue_description": desc, "contact": {Value: "C-404", Conf: 0.9, Quote: ""}},
			want{casemgmt.OutcomeSkipped, "missing: contact (field contact: invalid value: no contact", nil}},
		{"all, below the configured 0.85", "all", 0.85, map[string]agenttest.Answer{"issue_description": desc, "contact": {Value: "C-1", Conf: 0.8, Quote: ""}},
			want{casemgmt.OutcomeSkipped, "contact (confidence 0.80 below 0.85)", nil}},
		{"all, above the configured 0.85", "all", 0.85, map[string]agenttest.Answer{"issue_description": desc, "contact": {Value: "C-1", Conf: 0.86, Quote: ""}},
			want{casemgmt.OutcomeCreated, "", casemgmt.Values{"issue_description": hello, "contact": "C-1", "origin": "Chat"}}},
		{"any, description only", "any", 0, map[string]agenttest.Answer{"issue_description": desc},
			want{casemgmt.OutcomeCreated, "", casemgmt.Values{"issue_description": hello, "origin": "Chat"}}},
		{"any, contact only", "any", 0, map[string]agenttest.Answer{"contact": {Value: "C-1", Conf: 0.7, Quote: ""}},
			want{casemgmt.OutcomeCreated, "", casemgmt.Values{"contact": "C-1", "origin": "Chat"}}},
		{"any, nothing sure enough", "any", 0, map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.3, Quote: ""}},
			want{casemgmt.OutcomeSkipped, "needs any of its fields; none is known", nil}},
		{"any, nothing", "any", 0, nil,
			want{casemgmt.OutcomeSkipped, "needs any of its fields", nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := agenttest.NewFixture(t, agenttest.Tenant(t, func(c *agent.Config) {
				c.Create.Require, c.Create.MinConfidence = tc.require, tc.minConf
			}))
			f.Pred.Set(tc.table)
			conv := agenttest.Convo("conv-1", hello)
			res, err := f.Agent.ConversationAccepted(context.Background(), conv, "rep-1")
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tc.want.outcome || !strings.Contains(res.Reason, tc.want.reason) {
				t.Fatalf("outcome %s %q, want %s %q", res.Outcome, res.Reason, tc.want.outcome, tc.want.reason)
			}
			c, err := f.Store.FindCaseByConversation(context.Background(), "conv-1")
			if tc.want.fields == nil {
				if !errors.Is(err, casemgmt.ErrNotFound) {
					t.Fatalf("a case exists after a skipped creation: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want.fields, c.Fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if c.Status != casemgmt.StatusActive || !c.HasLink(casemgmt.Link{Kind: casemgmt.LinkConversation, ID: "conv-1"}) {
				t.Errorf("case %+v: want active and linked to conv-1", c)
			}
			if c.Origin != "Chat" || c.Provenance["origin"].Actor.Kind != casemgmt.ActorSystem {
				t.Errorf("origin %q by %v, want Chat by the system", c.Origin, c.Provenance["origin"].Actor)
			}
			if tc.want.fields["contact"] != nil && c.ContactID != "C-1" {
				t.Errorf("ContactID %q, want C-1", c.ContactID)
			}
		})
	}
}

func TestCreationRetriedAtEnd(t *testing.T) {
	f := agenttest.NewFixture(t, nil)
	// The contact is known once the customer gives an email address.
	f.Pred.Rule = func(req *predict.Request) map[string]agenttest.Answer {
		out := map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.9, Quote: "router keeps rebooting"}}
		if slices.ContainsFunc(req.Messages, func(m channel.Message) bool { return strings.Contains(m.Text, "ana@example.org") }) {
			out["contact"] = agenttest.Answer{Value: "C-1", Conf: 0.9, Quote: "ana@example.org"}
		}
		return out
	}
	ctx := context.Background()
	conv := agenttest.Convo("conv-1")
	res, err := f.Agent.ConversationAccepted(ctx, conv, "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeSkipped || res.Reason != "the customer has not written anything yet" || f.Pred.Calls.Load() != 0 {
		t.Fatalf("accepted before any message: %s %q after %d calls", res.Outcome, res.Reason, f.Pred.Calls.Load())
	}
	agenttest.Say(conv, hello)
	res, err = f.Agent.CustomerMessage(ctx, conv, "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeSkipped || !strings.Contains(res.Reason, "contact (not predicted)") {
		t.Fatalf("first message: %s %q", res.Outcome, res.Reason)
	}
	agenttest.Say(conv, "rep: Could I have your email?")
	agenttest.Say(conv, "Sure, ana@example.org")
	res, err = f.Agent.ConversationEnded(ctx, conv, "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeCreated {
		t.Fatalf("at end: %s %q, want created", res.Outcome, res.Reason)
	}
	c := f.CaseOf(t, "conv-1")
	if diff := cmp.Diff(casemgmt.Values{"issue_description": hello, "contact": "C-1", "origin": "Chat"}, c.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if got := c.Provenance["contact"].MessageIDs; !cmp.Equal(got, []string{"m3"}) {
		t.Errorf("contact taken from %v, want [m3]", got)
	}
	var trail []string
	for _, in := range f.Interactions(t, "conv-1") {
		trail = append(trail, in.Trigger+" "+string(in.Outcome))
	}
	want := []string{"conversation_accepted skipped", "customer_message skipped", "conversation_ended created"}
	if diff := cmp.Diff(want, trail); diff != "" {
		t.Errorf("interactions (-want +got):\n%s", diff)
	}
}

func TestNothingNewMakesNoSecondCall(t *testing.T) {
	ctx := context.Background()
	t.Run("after creation", func(t *testing.T) {
		f := agenttest.NewFixture(t, nil)
		conv, _ := f.Created(t, "conv-1", hello)
		res, err := f.Agent.ConversationEnded(ctx, conv, "rep-1")
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Pred.Calls.Load(); got != 1 {
			t.Fatalf("%d predictor calls, want 1", got)
		}
		if res.Outcome != casemgmt.OutcomeUnchanged || res.Reason != "nothing new since the last prediction" {
			t.Fatalf("%s %q", res.Outcome, res.Reason)
		}
		agenttest.Say(conv, "It is the X200.")
		if _, err := f.Agent.ConversationEnded(ctx, conv, "rep-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Agent.ConversationEnded(ctx, conv, "rep-1"); err != nil {
			t.Fatal(err)
		}
		if got := f.Pred.Calls.Load(); got != 2 {
			t.Fatalf("%d predictor calls after one new message, want 2", got)
		}
	})
	t.Run("after a skipped creation", func(t *testing.T) {
		f := agenttest.NewFixture(t, nil)
		f.Pred.Set(map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.9, Quote: ""}})
		conv := agenttest.Convo("conv-1", hello)
		for range 3 {
			res, err := f.Agent.ConversationAccepted(ctx, conv, "rep-1")
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != casemgmt.OutcomeSkipped {
				t.Fatalf("%s %q", res.Outcome, res.Reason)
			}
		}
		if got := f.Pred.Calls.Load(); got != 1 {
			t.Fatalf("%d predictor calls, want 1", got)
		}
		agenttest.Say(conv, "ana@example.org")
		f.Pred.Set(map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.9, Quote: ""}, "contact": {Value: "C-1", Conf: 0.9, Quote: "ana@example.org"}})
		res, err := f.Agent.ConversationEnded(ctx, conv, "rep-1")
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != casemgmt.OutcomeCreated || f.Pred.Calls.Load() != 2 {
			t.Fatalf("%s %q after %d calls, want created after 2", res.Outcome, res.Reason, f.Pred.Calls.Load())
		}
	})
	t.Run("update from conversation always asks", func(t *testing.T) {
		f := agenttest.NewFixture(t, nil)
		conv, _ := f.Created(t, "conv-1", hello)
		if _, err := f.Agent.UpdateFromConversation(ctx, conv, "rep-1"); err != nil {
			t.Fatal(err)
		}
		if got := f.Pred.Calls.Load(); got != 2 {
			t.Fatalf("%d predictor calls, want 2", got)
		}
	})
}

func TestRuleDrivenFields(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		category string
		want     casemgmt.Values
		reasons  map[string]string
	}{
		{"the rule holds on a value predicted in the same call", "Product defect",
			casemgmt.Values{"category": "Product defect", "product": "P-X200", "serial_number": "SN-4K2P9Q7Z"},
			nil},
		{"the rule does not hold", "Billing",
			casemgmt.Values{"category": "Billing"},
			map[string]string{"product": "no update rule asks for this field",
				"serial_number": "no update rule asks for this field"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := agenttest.NewFixture(t, nil)
			conv, _ := f.Created(t, "conv-1", hello)
			agenttest.Say(conv, serial)
			f.Pred.Set(map[string]agenttest.Answer{
				"category":      {Value: tc.category, Conf: 0.8, Quote: ""},
				"product":       {Value: "P-X200", Conf: 0.9, Quote: "X200"},
				"serial_number": {Value: "SN-4K2P9Q7Z", Conf: 0.95, Quote: "SN-4K2P9Q7Z"},
				"priority":      {Value: "High", Conf: 0.9, Quote: ""},
			})
			res, err := f.Agent.ConversationEnded(ctx, conv, "rep-1")
			if err != nil {
				t.Fatal(err)
			}
			// One call asked for the default fields and every rule's.
			if diff := cmp.Diff([]string{"issue_description", "category", "product", "serial_number"}, f.Pred.Requested()[1]); diff != "" {
				t.Errorf("requested (-want +got):\n%s", diff)
			}
			c := f.CaseOf(t, "conv-1")
			got := casemgmt.Values{}
			for _, n := range []string{"category", "product", "serial_number", "priority"} {
				if v, ok := c.Fields[n]; ok {
					got[n] = v
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if tc.want["product"] != nil {
				if p := c.Provenance["product"]; p.Rule != "defect details" || p.Confidence != 0.9 || !cmp.Equal(p.MessageIDs, []string{"m2"}) {
					t.Errorf("product provenance %+v: want rule defect details, confidence 0.9, message m2", p)
				}
			}
			var reasons map[string]string
			for _, fo := range res.Interaction.Fields {
				if strings.HasPrefix(fo.Reason, "no update rule") {
					if reasons == nil {
						reasons = map[string]string{}
					}
					reasons[fo.Field] = fo.Reason
				}
			}
			if diff := cmp.Diff(tc.reasons, reasons); diff != "" {
				t.Errorf("fields left out (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(sortedFields(tc.want), res.ChangedFields(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("changed fields (-want +got):\n%s", diff)
			}
		})
	}
}

func sortedFields(v casemgmt.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

func TestHumanEdits(t *testing.T) {
	ctx := context.Background()
	for _, override := range []bool{false, true} {
		t.Run(fmt.Sprintf("override=%v", override), func(t *testing.T) {
			f := agenttest.NewFixture(t, agenttest.Tenant(t, func(c *agent.Config) { c.Policy.AllowAgentOverrideHuman = override }))
			conv, c := f.Created(t, "conv-1", hello)
			res, err := f.Agent.EditCase(ctx, c.ID, "rep-1", map[string]any{"category": "billing", "internal_note": "called back"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"category", "internal_note"}, res.ChangedFields()); diff != "" {
				t.Fatalf("edit changed (-want +got):\n%s", diff)
			}
			agenttest.Say(conv, "It's a defect of the router.")
			f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.95, Quote: "defect"}})
			res, err = f.Agent.ConversationEnded(ctx, conv, "rep-1")
			if err != nil {
				t.Fatal(err)
			}
			got := f.CaseOf(t, "conv-1")
			want, by, outcome := "Billing", casemgmt.ActorPerson, casemgmt.OutcomeUnchanged
			if override {
				want, by, outcome = "Product defect", casemgmt.ActorAgent, casemgmt.OutcomeUpdated
			}
			if got.Fields["category"] != want || got.Provenance["category"].Actor.Kind != by || res.Outcome != outcome {
				t.Fatalf("category %v by %s, outcome %s; want %s by %s, %s", got.Fields["category"], got.Provenance["category"].Actor.Kind, res.Outcome, want, by, outcome)
			}
			if !override {
				fo := fieldOutcome(res.Interaction, "category")
				if fo.Applied || fo.Reason != "write policy: "+casemgmt.ReasonPersonSet {
					t.Errorf("category outcome %+v, want refused by the write policy", fo)
				}
			}
		})
	}
}

func fieldOutcome(in *casemgmt.Interaction, name string) casemgmt.FieldOutcome {
	for _, f := range in.Fields {
		if f.Field == name {
			return f
		}
	}
	return casemgmt.FieldOutcome{}
}

func TestIntakeAndSystemValuesKept(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, agenttest.Tenant(t, func(c *agent.Config) {
		c.Policy.AllowAgentOverrideHuman = true // no effect on rule and system values
		c.DefaultUpdateFields = append(c.DefaultUpdateFields, "origin")
	}))
	t0 := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	c := &casemgmt.Case{
		Title:  "Router",
		Links:  []casemgmt.Link{{Kind: casemgmt.LinkConversation, ID: "conv-1"}},
		Fields: casemgmt.Values{"category": "Billing", "origin": "Email"},
		Provenance: map[string]casemgmt.Provenance{
			"category": {Actor: casemgmt.Actor{Kind: casemgmt.ActorIntakeRule, ID: "billing mailbox"}, Time: t0},
			"origin":   {Actor: casemgmt.Actor{Kind: casemgmt.ActorSystem}, Time: t0},
		},
	}
	if err := f.Store.CreateCase(ctx, c, casemgmt.Write{Time: t0}); err != nil {
		t.Fatal(err)
	}
	before := f.CaseOf(t, "conv-1")
	f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.99, Quote: "rebooting"}, "origin": {Value: "Chat", Conf: 0.99, Quote: ""}})
	res, err := f.Agent.ConversationEnded(ctx, agenttest.Convo("conv-1", hello), "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeUnchanged || len(res.Changes) != 0 {
		t.Fatalf("%s with %d changes, want unchanged", res.Outcome, len(res.Changes))
	}
	after := f.CaseOf(t, "conv-1")
	if diff := cmp.Diff(before.Fields, after.Fields); diff != "" {
		t.Errorf("fields changed (-before +after):\n%s", diff)
	}
	for field, why := range map[string]string{"category": casemgmt.ReasonIntakeRuleSet, "origin": casemgmt.ReasonSystemSet} {
		if fo := fieldOutcome(res.Interaction, field); fo.Reason != "write policy: "+why {
			t.Errorf("%s: %+v, want refused: %s", field, fo, why)
		}
	}
}

func TestPredictionChecks(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		table  map[string]agenttest.Answer
		extra  map[string]agenttest.Answer
		reason string
	}{
		{"invented evidence", map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.99, Quote: "my toaster is on fire"}}, nil, "does not occur in the messages"},
		{"value outside the options", map[string]agenttest.Answer{"category": {Value: "Hardware", Conf: 0.99, Quote: ""}}, nil, "is not one of the options"},
		{"lookup id outside the options", map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.4, Quote: ""}, "product": {Value: "P-X999", Conf: 0.99, Quote: ""}}, nil, "is not one of the options"},
		{"wrong type", map[string]agenttest.Answer{"category": {Value: 42, Conf: 0.99, Quote: ""}}, nil, "must be text"},
		{"pattern", map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.3, Quote: ""}, "serial_number": {Value: "12345", Conf: 0.99, Quote: ""}}, nil, "does not match the pattern"},
		{"confidence outside [0,1]", map[string]agenttest.Answer{"category": {Value: "Billing", Conf: 1.5, Quote: ""}}, nil, "outside [0,1]"},
		{"a field not requested", nil, map[string]agenttest.Answer{"internal_note": {Value: "refund them", Conf: 0.99, Quote: ""}}, "field was not requested"},
		{"no value: never clears", map[string]agenttest.Answer{"issue_description": {Value: nil, Conf: 0.99, Quote: ""}}, nil, "no value"},
		{"empty text: never clears", map[string]agenttest.Answer{"issue_description": {Value: "  ", Conf: 0.99, Quote: ""}}, nil, "empty value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := agenttest.NewFixture(t, nil)
			conv, c := f.Created(t, "conv-1", hello)
			agenttest.Say(conv, serial)
			audit := f.Audit(t, c.ID)
			f.Pred.Set(tc.table)
			f.Pred.Extra = tc.extra
			res, err := f.Agent.ConversationEnded(ctx, conv, "rep-1")
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != casemgmt.OutcomeUnchanged {
				t.Fatalf("outcome %s, want unchanged", res.Outcome)
			}
			after := f.CaseOf(t, "conv-1")
			if diff := cmp.Diff(c.Fields, after.Fields); diff != "" {
				t.Errorf("fields changed (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(audit, f.Audit(t, c.ID)); diff != "" {
				t.Errorf("audit changed (-before +after):\n%s", diff)
			}
			found := false
			for _, fo := range res.Interaction.Fields {
				if strings.HasPrefix(fo.Reason, "dropped: ") && strings.Contains(fo.Reason, tc.reason) {
					found = true
				}
			}
			if !found {
				t.Errorf("no field dropped with %q in %+v", tc.reason, res.Interaction.Fields)
			}
		})
	}
	t.Run("invented evidence creates no case", func(t *testing.T) {
		f := agenttest.NewFixture(t, nil)
		f.Pred.Set(map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.9, Quote: "I want a refund"}, "contact": {Value: "C-1", Conf: 0.9, Quote: ""}})
		res, err := f.Agent.ConversationAccepted(ctx, agenttest.Convo("conv-1", hello), "rep-1")
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != casemgmt.OutcomeSkipped {
			t.Fatalf("%s, want skipped", res.Outcome)
		}
	})
	t.Run("evidence names the message that holds it", func(t *testing.T) {
		f := agenttest.NewFixture(t, nil)
		conv := agenttest.Convo("conv-1", hello, "rep: Which one?", serial)
		f.Pred.Rule = func(req *predict.Request) map[string]agenttest.Answer { return nil }
		f.Pred.Set(nil)
		f.Pred.Rule = nil
		p := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
			return &predict.Result{Predictions: map[string]predict.Prediction{
				"issue_description": {Value: hello, Confidence: 0.9, Evidence: []predict.Evidence{{MessageID: "m3", Quote: "keeps REBOOTING"}}},
				"contact":           {Value: "C-1", Confidence: 0.9},
			}}, nil
		})
		a, err := agent.New(f.Store, p, f.Config)
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.ConversationAccepted(ctx, conv, "")
		if err != nil {
			t.Fatal(err)
		}
		pv := res.Case.Provenance["issue_description"]
		if diff := cmp.Diff([]predict.Evidence{{MessageID: "m1", Quote: "keeps REBOOTING"}}, pv.Evidence); diff != "" {
			t.Errorf("evidence (-want +got):\n%s", diff)
		}
		if !cmp.Equal(pv.MessageIDs, []string{"m1"}) || !cmp.Equal(res.Case.Provenance["contact"].MessageIDs, []string{"m3"}) {
			t.Errorf("message ids %v and %v, want [m1] and the last customer message [m3]", pv.MessageIDs, res.Case.Provenance["contact"].MessageIDs)
		}
	})
}

func TestAgentRevisesItsOwnValues(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	conv, c := f.Created(t, "conv-1", hello, "It's a defect, the X200.")
	f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.9, Quote: "defect"}, "product": {Value: "P-X200", Conf: 0.8, Quote: "X200"}})
	agenttest.Say(conv, "rep: Thanks")
	if _, err := f.Agent.ConversationEnded(ctx, conv, "rep-1"); err != nil {
		t.Fatal(err)
	}
	agenttest.Say(conv, "Sorry, it's the X300, not the X200.")
	f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.9, Quote: "defect"}, "product": {Value: "P-X300", Conf: 0.85, Quote: "it's the X300"}})
	res, err := f.Agent.ConversationEnded(ctx, conv, "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	got := f.CaseOf(t, "conv-1")
	if got.Fields["product"] != "P-X300" || res.Outcome != casemgmt.OutcomeUpdated {
		t.Fatalf("product %v (%s), want P-X300 updated", got.Fields["product"], res.Outcome)
	}
	var trail []string
	for _, e := range f.Audit(t, c.ID) {
		if e.Field == "product" {
			trail = append(trail, fmt.Sprintf("%v -> %v %v", e.Old, e.New, e.MessageIDs))
		}
	}
	if diff := cmp.Diff([]string{"<nil> -> P-X200 [m2]", "P-X200 -> P-X300 [m4]"}, trail); diff != "" {
		t.Errorf("product audit (-want +got):\n%s", diff)
	}
}

func TestShadowMode(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	shadow := f.With(t, agent.WithShadow(true))
	t.Run("create", func(t *testing.T) {
		f.Pred.Set(map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.9, Quote: "rebooting"}, "contact": {Value: "C-1", Conf: 0.9, Quote: ""}})
		res, err := shadow.ConversationAccepted(ctx, agenttest.Convo("conv-s", hello), "rep-1")
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != casemgmt.OutcomeShadow || res.Reason != "would create a case" {
			t.Fatalf("%s %q", res.Outcome, res.Reason)
		}
		if diff := cmp.Diff(casemgmt.Values{"issue_description": hello, "contact": "C-1", "origin": "Chat"}, res.Case.Fields); diff != "" {
			t.Errorf("would write (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"case", "origin", "issue_description", "contact"}, auditFields(res.Changes)); diff != "" {
			t.Errorf("would audit (-want +got):\n%s", diff)
		}
		if _, err := f.Store.FindCaseByConversation(ctx, "conv-s"); !errors.Is(err, casemgmt.ErrNotFound) {
			t.Errorf("shadow run created a case: %v", err)
		}
		if ins := f.Interactions(t, "conv-s"); len(ins) != 1 || !ins[0].Shadow || ins[0].Outcome != casemgmt.OutcomeShadow {
			t.Errorf("shadow run records: %v, want one marked shadow", ins)
		}
		f.Pred.Set(nil) // skipped, and remembered by no one
		if _, err := shadow.ConversationEnded(ctx, agenttest.Convo("conv-s", hello), "rep-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Store.GetState(ctx, "casemgmt:agent:skipped:conv-s"); !errors.Is(err, casemgmt.ErrNotFound) {
			t.Errorf("shadow run wrote state: %v", err)
		}
	})
	t.Run("update and edit", func(t *testing.T) {
		conv, c := f.Created(t, "conv-1", hello)
		agenttest.Say(conv, serial)
		before, audit, ins := f.CaseOf(t, "conv-1"), f.Audit(t, c.ID), f.Interactions(t, "conv-1")
		f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.9, Quote: ""}, "serial_number": {Value: "SN-4K2P9Q7Z", Conf: 0.9, Quote: "SN-4K2P9Q7Z"}})
		res, err := shadow.ConversationEnded(ctx, conv, "rep-1")
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != casemgmt.OutcomeShadow || res.Reason != "would update the case" {
			t.Fatalf("%s %q", res.Outcome, res.Reason)
		}
		if diff := cmp.Diff([]string{"category", "serial_number"}, res.ChangedFields()); diff != "" {
			t.Errorf("would change (-want +got):\n%s", diff)
		}
		if res.Case.Fields["serial_number"] != "SN-4K2P9Q7Z" {
			t.Errorf("shadow case %v lacks the serial number", res.Case.Fields)
		}
		er, err := shadow.EditCase(ctx, c.ID, "rep-1", map[string]any{"priority": "High", "status": "resolved"})
		if err != nil {
			t.Fatal(err)
		}
		if er.Outcome != casemgmt.OutcomeShadow || len(er.Changes) != 2 {
			t.Errorf("shadow edit: %s with %d changes", er.Outcome, len(er.Changes))
		}
		if diff := cmp.Diff(before, f.CaseOf(t, "conv-1")); diff != "" {
			t.Errorf("shadow runs changed the case (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(audit, f.Audit(t, c.ID)); diff != "" {
			t.Errorf("shadow runs audited (-before +after):\n%s", diff)
		}
		after := f.Interactions(t, "conv-1")
		if diff := cmp.Diff(ins, after[:min(len(ins), len(after))]); diff != "" {
			t.Errorf("shadow runs changed records (-before +after):\n%s", diff)
		}
		for _, in := range after[len(ins):] {
			if !in.Shadow {
				t.Errorf("a shadow run's record is not marked shadow: %+v", in)
			}
		}
	})
}

func auditFields(es []casemgmt.AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Field)
	}
	return out
}

func TestProfiles(t *testing.T) {
	ctx := context.Background()
	profiles := agent.Profiles{
		Profiles: map[string]agent.Profile{
			"full":   {Name: "full", Features: []agent.Feature{agent.FeatureAutoCreate, agent.FeatureAutoUpdate, agent.FeatureUpdateFromConversation}},
			"manual": {Name: "manual", Features: []agent.Feature{agent.FeatureUpdateFromConversation}},
		},
		Assign: map[string]string{"rep-1": "full", "rep-2": "manual"},
	}
	f := agenttest.NewFixture(t, nil, agent.WithProfiles(profiles))
	f.Pred.Set(map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.9, Quote: ""}, "contact": {Value: "C-1", Conf: 0.9, Quote: ""}, "category": {Value: "Billing", Conf: 0.9, Quote: ""}})

	for _, rep := range []string{"rep-2", "rep-9", ""} {
		res, err := f.Agent.ConversationAccepted(ctx, agenttest.Convo("conv-"+rep, hello), rep)
		if err != nil {
			t.Fatal(err)
		}
		const why = "the representative's profile does not allow autonomous case creation"
		if res.Outcome != casemgmt.OutcomeSkipped || res.Reason != why {
			t.Errorf("%q: %s %q, want skipped: %s", rep, res.Outcome, res.Reason, why)
		}
		ins := f.Interactions(t, "conv-"+rep)
		if len(ins) != 1 || ins[0].Reason != why {
			t.Errorf("%q: interactions %+v, want one saying why", rep, ins)
		}
	}
	if got := f.Pred.Calls.Load(); got != 0 {
		t.Errorf("%d predictor calls for refused runs", got)
	}
	conv, _ := f.Created(t, "conv-1", hello)
	agenttest.Say(conv, "More details.")
	f.Pred.Set(map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.9, Quote: ""}, "contact": {Value: "C-1", Conf: 0.9, Quote: ""}, "category": {Value: "Billing", Conf: 0.9, Quote: ""}})
	n := len(f.Interactions(t, "conv-1"))
	if _, err := f.Agent.UpdateFromConversation(ctx, conv, "rep-9"); !errors.Is(err, agent.ErrNotPermitted) {
		t.Errorf("unassigned rep: err = %v, want ErrNotPermitted", err)
	}
	if ins := f.Interactions(t, "conv-1"); len(ins) != n+1 || ins[n].Outcome != casemgmt.OutcomeSkipped ||
		!strings.Contains(ins[n].Reason, "may not use update from conversation") || ins[n].Actor.ID != "rep-9" {
		t.Errorf("a refused request must leave one record saying why; got %+v", ins[n:])
	}
	res, err := f.Agent.ConversationEnded(ctx, conv, "rep-2")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeSkipped || !strings.Contains(res.Reason, "autonomous case updates") {
		t.Errorf("autonomous update for rep-2: %s %q, want skipped", res.Outcome, res.Reason)
	}
	res, err = f.Agent.UpdateFromConversation(ctx, conv, "rep-2")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeUpdated || res.Interaction.Actor != (casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-2"}) {
		t.Errorf("update from conversation: %s by %v, want updated by rep-2", res.Outcome, res.Interaction.Actor)
	}
	if diff := cmp.Diff([]string{"category"}, res.ChangedFields()); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	res, err = f.Agent.UpdateFromConversation(ctx, conv, "rep-2")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeUnchanged || len(res.Changes) != 0 {
		t.Errorf("second request: %s with %d changes, want unchanged", res.Outcome, len(res.Changes))
	}
	if _, err := f.Agent.UpdateFromConversation(ctx, agenttest.Convo("conv-none", hello), "rep-1"); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("no linked case: err = %v, want ErrNotFound", err)
	}
}

func TestInteractionRecord(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { // every reading is 3ms later
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(3 * time.Millisecond)
		return clock
	}
	f := agenttest.NewFixture(t, nil, agent.WithClock(now), agent.WithName("helper"))
	f.Pred.Set(map[string]agenttest.Answer{
		"issue_description": {Value: hello, Conf: 0.9, Quote: "keeps rebooting"},
		"contact":           {Value: "C-1", Conf: 0.8, Quote: ""},
		"category":          {Value: "Product defect", Conf: 0.3, Quote: ""},
		"priority":          {Value: "High", Conf: 0.9, Quote: ""},
	})
	f.Pred.Extra = map[string]agenttest.Answer{"product": {Value: "P-X999", Conf: 0.9, Quote: ""}}
	res, err := f.Agent.ConversationAccepted(ctx, agenttest.Convo("conv-1", hello), "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	ins := f.Interactions(t, "conv-1")
	if len(ins) != 1 {
		t.Fatalf("%d interactions, want 1", len(ins))
	}
	want := casemgmt.Interaction{
		CaseID: res.Case.ID, ConversationID: "conv-1", MessageIDs: []string{"m1"},
		Trigger: agent.TriggerAccepted, Actor: casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "helper"},
		Outcome: casemgmt.OutcomeCreated,
		Fields: []casemgmt.FieldOutcome{
			{Field: "product", Value: "P-X999", Reason: `dropped: "P-X999" is not one of the options of product`},
			{Field: "issue_description", Value: hello, Confidence: 0.9, Evidence: []predict.Evidence{{MessageID: "m1", Quote: "keeps rebooting"}}, Applied: true},
			{Field: "category", Value: "Product defect", Confidence: 0.3, Reason: "uncertain: update rules depend on it (defect details); confidence 0.30 is below 0.50"},
			{Field: "contact", Value: "C-1", Confidence: 0.8, Applied: true},
		},
		Predictor: "scripted",
		Latency:   6 * time.Millisecond, // three clock readings
		Usage:     predict.Usage{Calls: 1, PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120, Cost: 0.01},
		Time:      time.Date(2026, 1, 2, 10, 0, 0, 3e6, time.UTC),
	}
	if diff := cmp.Diff(want, ins[0], cmpopts.IgnoreFields(casemgmt.Interaction{}, "ID")); diff != "" {
		t.Errorf("interaction (-want +got):\n%s", diff)
	}
	if ins[0].ID == "" {
		t.Error("the stored interaction has no id")
	}
	// priority was not asked for: the create fields, the defaults and
	// the rules' fields were.
	if diff := cmp.Diff([][]string{{"issue_description", "contact", "category", "product", "serial_number"}}, f.Pred.Requested()); diff != "" {
		t.Errorf("requested (-want +got):\n%s", diff)
	}
}

func TestPredictorFailure(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("model unreachable")
	f := agenttest.NewFixture(t, nil)
	f.Pred.Err = boom
	_, err := f.Agent.ConversationAccepted(ctx, agenttest.Convo("conv-1", hello), "rep-1")
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the predictor's", err)
	}
	ins := f.Interactions(t, "conv-1")
	if len(ins) != 1 || ins[0].Outcome != casemgmt.OutcomeFailed || ins[0].Reason != boom.Error() || ins[0].Trigger != agent.TriggerAccepted {
		t.Fatalf("interactions %+v, want one failed run saying why", ins)
	}
	if _, err := f.Store.FindCaseByConversation(ctx, "conv-1"); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Fatalf("a failed run created a case: %v", err)
	}
	// A failure is not remembered as "nothing new": the next run asks
	// again.
	f.Pred.Err = nil
	f.Pred.Set(map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.9, Quote: ""}, "contact": {Value: "C-1", Conf: 0.9, Quote: ""}})
	res, err := f.Agent.ConversationEnded(ctx, agenttest.Convo("conv-1", hello), "rep-1")
	if err != nil || res.Outcome != casemgmt.OutcomeCreated {
		t.Fatalf("after recovery: %v, %v", res, err)
	}
	conv := agenttest.Convo("conv-1", hello, serial)
	f.Pred.Err = boom
	if _, err := f.Agent.ConversationEnded(ctx, conv, "rep-1"); !errors.Is(err, boom) {
		t.Fatalf("update: err = %v, want the predictor's", err)
	}
	ins = f.Interactions(t, "conv-1")
	if last := ins[len(ins)-1]; last.Outcome != casemgmt.OutcomeFailed || last.CaseID != res.Case.ID {
		t.Fatalf("last interaction %+v, want a failed update of the case", last)
	}
}

// conflictOnce is a store whose first UpdateCase fails with ErrConflict
// after someone else (a person) changed the case.
type conflictOnce struct {
	casemgmt.Store
	mu    sync.Mutex
	done  bool
	other func(ctx context.Context, c *casemgmt.Case) error
}

func (s *conflictOnce) UpdateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	s.mu.Lock()
	first := !s.done
	s.done = true
	s.mu.Unlock()
	if first {
		if err := s.other(ctx, c); err != nil {
			return err
		}
		return fmt.Errorf("%w: test", casemgmt.ErrConflict)
	}
	return s.Store.UpdateCase(ctx, c, w)
}

func TestConflictIsRetried(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	conv, c := f.Created(t, "conv-1", hello)
	store := &conflictOnce{Store: f.Store, done: true}
	a, err := agent.New(store, f.Pred.Predictor(), f.Config)
	if err != nil {
		t.Fatal(err)
	}
	store.other = func(ctx context.Context, _ *casemgmt.Case) error {
		_, err := f.Agent.EditCase(ctx, c.ID, "rep-1", map[string]any{"category": "Billing", "priority": "Low"})
		return err
	}
	store.done = false
	agenttest.Say(conv, serial)
	f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Product defect", Conf: 0.9, Quote: ""}, "issue_description": {Value: serial, Conf: 0.9, Quote: "SN-4K2P9Q7Z"}})
	res, err := a.ConversationEnded(ctx, conv, "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	got := f.CaseOf(t, "conv-1")
	want := casemgmt.Values{"issue_description": serial, "contact": "C-1", "origin": "Chat", "category": "Billing", "priority": "Low"}
	if diff := cmp.Diff(want, got.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"issue_description"}, res.ChangedFields()); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	if f.Pred.Calls.Load() != 2 {
		t.Errorf("%d predictor calls, want 2: a retry does not predict again", f.Pred.Calls.Load())
	}
	var entries []string
	for _, e := range f.Audit(t, c.ID) {
		entries = append(entries, e.Field+" by "+e.Actor.String())
	}
	wantAudit := []string{"case by agent:caseagent", "origin by system:chat", "issue_description by agent:caseagent", "contact by agent:caseagent",
		"category by person:rep-1", "priority by person:rep-1", "issue_description by agent:caseagent"}
	if diff := cmp.Diff(wantAudit, entries); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestEditCase(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	_, c := f.Created(t, "conv-1", hello)
	for _, tc := range []struct {
		name  string
		edits map[string]any
		is    error
	}{
		{"unknown field", map[string]any{"colour": "red"}, casemgmt.ErrUnknownField},
		{"bad option", map[string]any{"category": "Hardware", "priority": "High"}, casemgmt.ErrInvalidValue},
		{"unknown contact", map[string]any{"contact": "C-404"}, casemgmt.ErrNotFound},
		{"unknown status", map[string]any{"status": "lost"}, casemgmt.ErrInvalid},
		{"no edits", nil, casemgmt.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.Agent.EditCase(ctx, c.ID, "rep-1", tc.edits); !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if diff := cmp.Diff(c, f.CaseOf(t, "conv-1")); diff != "" {
				t.Errorf("a refused edit changed the case (-before +after):\n%s", diff)
			}
		})
	}
	res, err := f.Agent.EditCase(ctx, c.ID, "rep-1", map[string]any{"status": "resolved", "status_reason": "fixed", "issue_description": nil})
	if err != nil {
		t.Fatal(err)
	}
	got := f.CaseOf(t, "conv-1")
	if got.Status != casemgmt.StatusResolved || got.StatusReason != "fixed" || got.Fields["issue_description"] != nil {
		t.Errorf("after edit: %s %q %v", got.Status, got.StatusReason, got.Fields)
	}
	if diff := cmp.Diff([]string{"issue_description", "status", "status_reason"}, auditFields(res.Changes)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	res, err = f.Agent.EditCase(ctx, c.ID, "rep-1", map[string]any{"status": "resolved"})
	if err != nil || res.Outcome != casemgmt.OutcomeUnchanged {
		t.Errorf("same edit again: %v %v, want unchanged", res, err)
	}
	if _, err := f.Agent.EditCase(ctx, "case_missing", "rep-1", map[string]any{"priority": "Low"}); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("missing case: err = %v", err)
	}
	// A resolved case is not updated autonomously.
	conv := agenttest.Convo("conv-1", hello, serial)
	f.Pred.Set(map[string]agenttest.Answer{"category": {Value: "Billing", Conf: 0.9, Quote: ""}})
	r, err := f.Agent.ConversationEnded(ctx, conv, "rep-1")
	if err != nil || r.Outcome != casemgmt.OutcomeSkipped || r.Reason != "the case is resolved" {
		t.Errorf("update of a resolved case: %v %v", r, err)
	}
}
