package agent_test

import (
	"context"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/knowledge"
)

const resolveTenant = `{
  "fields": [
    {"name": "issue_description", "type": "text"},
    {"name": "contact", "type": "lookup", "lookup": "contacts"}
  ],
  "contacts": [{"id": "K-1", "name": "Ada Wheeler", "email": "ada@example.org"}],
  "create": {"fields": ["issue_description", "contact"], "require": "all"},
  "resolution": {
    "intents": [{"name": "router_restart", "description": "Use when: the internet drops.", "articles": ["kb-restart"]}],
    "lines_of_business": [{"name": "home", "automation": "full"}]
  }
}`

// intentPredictor names the intent router_restart, quoting the last
// message, whenever it is asked for the intent.
type intentPredictor struct{ asked int }

func (p *intentPredictor) Predict(_ context.Context, req *predict.Request) (*predict.Result, error) {
	res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "test"}
	for _, f := range req.Fields {
		if f.Name == "intent" && len(req.Messages) > 0 {
			p.asked++
			m := req.Messages[len(req.Messages)-1]
			res.Predictions["intent"] = predict.Prediction{Value: "router_restart", Confidence: 0.95,
				Evidence: []predict.Evidence{{MessageID: m.ID, Quote: m.Text}}}
		}
	}
	return res, nil
}

// TestResolveIdentifiesIntentOfStoredCase invokes resolution on a stored
// case whose intent was never identified: the agent must read the case's
// description to identify it (it used to need a live conversation, and
// so always found the intent unknown), and the answer must greet the
// contact by name (it used to say "Hello ,").
func TestResolveIdentifiesIntentOfStoredCase(t *testing.T) {
	ctx := context.Background()
	cfg, err := agent.ParseConfig([]byte(resolveTenant))
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		t.Fatal(err)
	}
	art := &knowledge.Article{ID: "kb-restart", Title: "Restart the router when the internet drops", Language: "en",
		Body: "When the internet drops, unplug the router, wait 30 seconds and plug it back in."}
	if err := store.PutArticle(ctx, art); err != nil {
		t.Fatal(err)
	}
	c := &casemgmt.Case{Title: "Internet drops", ContactID: "K-1", Status: casemgmt.StatusActive,
		Fields: casemgmt.Values{"issue_description": "The internet drops every evening; how do I restart the router?", "contact": "K-1"}}
	if err := store.CreateCase(ctx, c, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	out := &channel.Outbox{}
	pred := &intentPredictor{}
	ag, err := agent.New(store, pred, cfg, agent.WithSender(out, channel.Address{Email: "help@example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ag.Resolve(ctx, c.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Resolution == nil || res.Resolution.Intent != "router_restart" {
		t.Fatalf("Resolve: resolution %+v, want intent router_restart (predictor asked %d times)", res.Resolution, pred.asked)
	}
	sent, ok := out.Last()
	if !ok || !res.Resolution.Sent {
		t.Fatalf("no answer sent: %+v", res.Resolution)
	}
	if !strings.Contains(sent.Message.Text, "Hello Ada Wheeler,") {
		t.Errorf("answer does not greet the contact by name:\n%s", sent.Message.Text)
	}
	if !strings.Contains(sent.Message.Text, "wait 30 seconds") {
		t.Errorf("answer does not quote the article:\n%s", sent.Message.Text)
	}
}
