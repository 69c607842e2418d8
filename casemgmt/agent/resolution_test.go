package agent_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

const resolutionTenant = `{
  "fields": [
    {"name": "issue_description", "type": "text", "multiline": true},
    {"name": "contact", "type": "lookup", "lookup": "contacts"},
    {"name": "order_number", "type": "text", "pattern": "ORD-[0-9]{6}"},
    {"name": "segment", "type": "choice", "options": [{"value": "Consumer"}, {"value": "Business"}]},
    {"name": "resolution", "type": "text"}
  ],
  "contacts": [{"id": "C-1", "name": "Ana Lima", "email": "ana@example.org"}],
  "create": {"fields": ["issue_description", "contact"]},
  "intake_rules": [{"name": "support", "unknown_senders": "create_contact"}],
  "resolution": {
    "intents": [
      {"name": "return_request", "description": "Use when the customer wants to send a product back.",
       "attributes": [{"name": "order_number", "label": "order number"}], "articles": ["kb-returns"]},
      {"name": "password_reset", "description": "Use when the customer cannot log in.", "articles": ["kb-password"]}
    ],
    "lines_of_business": [
      {"name": "business", "when": {"field": "segment", "op": "equals", "value": "Business"}, "automation": "off"},
      {"name": "consumer", "automation": "%s"}
    ],
    "unidentified": "%s"
  }
}`

var returnsArticle = knowledge.Article{ID: "kb-returns", Title: "Returning a product", Language: "en",
	URL:  "https://help.example.org/returns",
	Body: "You can return any product within 30 days of delivery. Print the return label from your order page and drop the parcel at any post office. The refund reaches your card within 5 days of our receiving the parcel."}

// resolutionRig is an agent over a memstore with the returns article and
// a predictor that reads the intent and the order number from the text.
type resolutionRig struct {
	t     *testing.T
	store *memstore.Store
	ag    *agent.Agent
	out   *channel.Outbox
	mu    sync.Mutex
	now   time.Time
	n     int
}

func newResolutionRig(t *testing.T, automation, unidentified string, opts ...agent.Option) *resolutionRig {
	t.Helper()
	cfg, err := agent.ParseConfig([]byte(strings.Replace(strings.Replace(resolutionTenant, "%s", automation, 1), "%s", unidentified, 1)))
	if err != nil {
		t.Fatal(err)
	}
	r := &resolutionRig{t: t, store: memstore.New(), out: &channel.Outbox{NewID: func(m *channel.Outgoing) string { return mailIDs.New(m.CaseID) }},
		now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	if _, err := cfg.ImportContacts(ctx, r.store); err != nil {
		t.Fatal(err)
	}
	a := returnsArticle
	if err := r.store.PutArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	base := []agent.Option{agent.WithClock(r.clock), agent.WithMessageIDs(mailIDs),
		agent.WithSender(r.out, channel.Address{Email: "support@acme.example"})}
	if r.ag, err = agent.New(r.store, resolutionPredictor, cfg, append(base, opts...)...); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *resolutionRig) clock() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }

// email delivers a customer email, replying to the agent's last message
// when reply is set.
func (r *resolutionRig) email(text string, reply bool) *agent.Result {
	r.t.Helper()
	r.mu.Lock()
	r.n++
	r.now = r.now.Add(time.Hour)
	id := "<m" + string(rune('a'+r.n)) + "@example.org>"
	r.mu.Unlock()
	m := &channel.Message{ID: id, From: channel.Address{Name: "Ana Lima", Email: "ana@example.org"},
		To: []channel.Address{{Email: "support@acme.example"}}, Subject: "My order", Text: text, Time: r.clock()}
	if reply {
		last, ok := r.out.Last()
		if !ok {
			r.t.Fatal("nothing to reply to")
		}
		m.InReplyTo, m.Subject = last.ID, "Re: "+last.Message.Subject
	}
	res, err := r.ag.InboundEmail(context.Background(), "support@acme.example", m)
	if err != nil {
		r.t.Fatal(err)
	}
	return res
}

func (r *resolutionRig) get(id string) *casemgmt.Case {
	r.t.Helper()
	c, err := r.store.GetCase(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// resolutionPredictor reads what the tests' customers write.
var resolutionPredictor = predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
	res := &predict.Result{Predictor: "reader", Predictions: map[string]predict.Prediction{}}
	var text string
	for _, m := range req.Messages {
		text += " " + m.Text
	}
	for _, f := range req.Fields {
		switch f.Name {
		case "issue_description":
			res.Predictions[f.Name] = predict.Prediction{Value: strings.TrimSpace(text), Confidence: 0.9}
		case "intent":
			switch {
			case strings.Contains(text, "send it back"):
				res.Predictions[f.Name] = predict.Prediction{Value: "return_request", Confidence: 0.9, Evidence: []predict.Evidence{{Quote: "send it back"}}}
			case strings.Contains(text, "log in"):
				res.Predictions[f.Name] = predict.Prediction{Value: "password_reset", Confidence: 0.9, Evidence: []predict.Evidence{{Quote: "log in"}}}
			}
		case "contact":
			// A signed-in chat visitor is the known contact.
			if id := req.Customer.ContactID; id != "" {
				res.Predictions[f.Name] = predict.Prediction{Value: id, Confidence: 1}
			}
		case "order_number":
			if i := strings.Index(text, "ORD-"); i >= 0 && len(text) >= i+10 {
				res.Predictions[f.Name] = predict.Prediction{Value: text[i : i+10], Confidence: 0.95, Evidence: []predict.Evidence{{Quote: text[i : i+10]}}}
			}
		}
	}
	return res, nil
})

// The whole flow on full automation: the intent is identified, the
// missing order number asked for in one message, the reply fills it, the
// answer goes out citing the article, and the customer's thanks resolve
// the case.
func TestResolutionAsksThenAnswersWithCitations(t *testing.T) {
	r := newResolutionRig(t, "full", "hand_over")
	res := r.email("Hello, the lamp I bought is broken and I want to send it back.", false)
	if res.Outcome != casemgmt.OutcomeCreated || res.Resolution == nil {
		t.Fatalf("%s (%s), resolution %+v", res.Outcome, res.Reason, res.Resolution)
	}
	rs := res.Resolution
	if rs.Intent != "return_request" || rs.Decision.Kind != resolve.Question || !rs.Sent {
		t.Fatalf("resolution %+v, decision %+v", rs, rs.Decision)
	}
	q, _ := r.out.Last()
	if !strings.Contains(strings.ToLower(q.Message.Text), "order number") || q.Message.To[0].Email != "ana@example.org" {
		t.Errorf("question %q to %v", q.Message.Text, q.Message.To)
	}
	c := r.get(res.Case.ID)
	if c.Status != casemgmt.StatusWaitingOnCustomer || c.Meta[agent.MetaResolution] != agent.ResolutionAsked {
		t.Errorf("after the question: %s, %q", c.Status, c.Meta[agent.MetaResolution])
	}

	res = r.email("Sure, it is ORD-123456.", true)
	rs = res.Resolution
	if rs == nil || rs.Decision.Kind != resolve.Resolved || !rs.Sent {
		t.Fatalf("after the answer: %+v", rs)
	}
	ans, _ := r.out.Last()
	if !strings.Contains(ans.Message.Text, "within 30 days") || !strings.Contains(ans.Message.Text, "https://help.example.org/returns") {
		t.Errorf("answer does not quote or link the article:\n%s", ans.Message.Text)
	}
	if len(rs.Decision.Citations) == 0 || rs.Decision.Citations[0].ArticleID != "kb-returns" {
		t.Errorf("citations %+v", rs.Decision.Citations)
	}
	c = r.get(res.Case.ID)
	if c.Fields["order_number"] != "ORD-123456" || c.Meta[agent.MetaResolution] != agent.ResolutionProposed || c.Status != casemgmt.StatusWaitingOnCustomer {
		t.Errorf("after the answer: %v %q %s", c.Fields, c.Meta[agent.MetaResolution], c.Status)
	}

	sent := r.out.Len()
	res = r.email("Thanks, that solved it!", true)
	c = r.get(res.Case.ID)
	if c.Status != casemgmt.StatusResolved || c.Meta[agent.MetaResolution] != agent.ResolutionResolved || r.out.Len() != sent {
		t.Errorf("after the thanks: %s %q, %d more sent", c.Status, c.Meta[agent.MetaResolution], r.out.Len()-sent)
	}
}

// An unfavourable reply to the answer hands the case back to a person
// with a summary of what was tried.
func TestResolutionHandsBackWhenTheAnswerFails(t *testing.T) {
	r := newResolutionRig(t, "full", "hand_over")
	res := r.email("I want to send it back, order ORD-654321.", false)
	if res.Resolution == nil || res.Resolution.Decision.Kind != resolve.Resolved {
		t.Fatalf("resolution %+v", res.Resolution)
	}
	res = r.email("That does not help, the label page gives an error.", true)
	c := r.get(res.Case.ID)
	if c.Status != casemgmt.StatusActive || c.Meta[agent.MetaResolution] != agent.ResolutionHandedOver || !strings.Contains(c.Meta[agent.MetaSummary], "did not solve") {
		t.Errorf("%s %q %q", c.Status, c.Meta[agent.MetaResolution], c.Meta[agent.MetaSummary])
	}
}

// Confirm automation drafts instead of sending; a person approves (with
// an edit) or discards the draft.
func TestResolutionDraftsOnConfirm(t *testing.T) {
	r := newResolutionRig(t, "confirm", "hand_over", agent.WithProfiles(agent.Profiles{}))
	res := r.email("I want to send it back, order ORD-654321.", false)
	if res.Resolution == nil || res.Resolution.Draft == nil || res.Resolution.Sent || r.out.Len() != 0 {
		t.Fatalf("confirm: %+v, %d sent", res.Resolution, r.out.Len())
	}
	ctx := context.Background()
	d, err := r.ag.PendingDraft(ctx, res.Case.ID)
	if err != nil || !strings.Contains(d.Message.Text, "within 30 days") || d.Kind != string(resolve.Resolved) {
		t.Fatalf("draft %+v, %v", d, err)
	}
	edited := "Hello Ana, please print the label from your order page. Sources: https://help.example.org/returns"
	ar, err := r.ag.ApproveDraft(ctx, res.Case.ID, "rep-7", &edited)
	if err != nil {
		t.Fatal(err)
	}
	sent, ok := r.out.Last()
	if !ok || sent.Message.Text != edited || !ar.Resolution.Sent {
		t.Errorf("approved draft: sent %v %q", ok, sent.Message.Text)
	}
	if _, err := r.ag.PendingDraft(ctx, res.Case.ID); !errors.Is(err, agent.ErrNoDraft) {
		t.Errorf("draft still waiting: %v", err)
	}
	audit, _ := r.store.ListAudit(ctx, res.Case.ID)
	approved := false
	for _, e := range audit {
		approved = approved || e.Field == agent.MetaDraft && e.Actor.ID == "rep-7" && strings.Contains(e.Reason, "edited and approved")
	}
	if !approved {
		t.Errorf("the approval is not audited with the representative: %+v", audit)
	}
	// A second case: discarded.
	res = r.email("Also I want to send it back, order ORD-111111.", false)
	if _, err := r.ag.DiscardDraft(ctx, res.Case.ID, "rep-7", "we call the customer instead"); err != nil {
		t.Fatal(err)
	}
	if r.out.Len() != 1 {
		t.Errorf("a discarded draft was sent")
	}
}

// An intent the agent cannot identify hands the case over, or is asked
// about once when the tenant says so.
func TestResolutionUnidentified(t *testing.T) {
	r := newResolutionRig(t, "full", "hand_over")
	res := r.email("Hi there, something is odd with my account page.", false)
	c := r.get(res.Case.ID)
	if res.Resolution == nil || !res.Resolution.HandedOver || c.Meta[agent.MetaResolution] != agent.ResolutionHandedOver || r.out.Len() != 0 {
		t.Errorf("hand over: %+v %q", res.Resolution, c.Meta[agent.MetaResolution])
	}
	r = newResolutionRig(t, "full", "ask")
	res = r.email("Hi there, something is odd with my account page.", false)
	if res.Resolution == nil || res.Resolution.Decision.Kind != resolve.Question || r.out.Len() != 1 {
		t.Fatalf("ask: %+v", res.Resolution)
	}
	res = r.email("It just looks strange.", true)
	if res.Resolution == nil || !res.Resolution.HandedOver || r.out.Len() != 1 {
		t.Errorf("asked once, then: %+v, %d sent", res.Resolution, r.out.Len())
	}
}

// The agent asks at most MaxQuestions times, never twice without new
// information, and then hands over with a summary.
func TestResolutionStopsAsking(t *testing.T) {
	r := newResolutionRig(t, "full", "hand_over")
	res := r.email("I want to send it back.", false)
	id := res.Case.ID
	if r.out.Len() != 1 {
		t.Fatalf("first question: %+v", res.Resolution)
	}
	// Resolution invoked again with nothing new asks nothing.
	if _, err := r.ag.Resolve(context.Background(), id, "", ""); err != nil {
		t.Fatal(err)
	}
	if c := r.get(id); r.out.Len() != 1 || c.Meta[agent.MetaResolution] != agent.ResolutionAsked {
		t.Errorf("asked again without new information: %d sent, state %q", r.out.Len(), c.Meta[agent.MetaResolution])
	}
	r.email("I do not have it at hand.", true)
	if r.out.Len() != 2 {
		t.Errorf("second question not asked: %d sent", r.out.Len())
	}
	r.email("Still looking for it.", true)
	c := r.get(id)
	if c.Meta[agent.MetaResolution] != agent.ResolutionHandedOver || !strings.Contains(c.Meta[agent.MetaSummary], "order_number") || r.out.Len() != 2 {
		t.Errorf("after two questions: %q %q, %d sent", c.Meta[agent.MetaResolution], c.Meta[agent.MetaSummary], r.out.Len())
	}
}

// A custom resolver answers for its intent; an answer without a valid
// citation never goes out as a resolution; an off line of business is
// left to people.
func TestResolutionCustomResolver(t *testing.T) {
	var calls int
	custom := resolve.Func(func(ctx context.Context, req *resolve.Request) (*resolve.Decision, error) {
		calls++
		return &resolve.Decision{Kind: resolve.ResolveCase, Message: "We sent you a reset link.", Reason: "reset link sent by the identity system"}, nil
	})
	r := newResolutionRig(t, "full", "hand_over", agent.WithIntentResolver("password_reset", custom))
	res := r.email("I cannot log in anymore.", false)
	c := r.get(res.Case.ID)
	if calls != 1 || c.Status != casemgmt.StatusResolved || c.Fields["resolution"] != "We sent you a reset link." {
		t.Errorf("custom resolver: %d calls, %s, %v", calls, c.Status, c.Fields)
	}
	invented := resolve.Func(func(ctx context.Context, req *resolve.Request) (*resolve.Decision, error) {
		return &resolve.Decision{Kind: resolve.Resolved, Message: "Returns are free forever.",
			Citations: []knowledge.Citation{{ArticleID: "kb-returns", Quote: "Returns are free forever, no questions asked."}}}, nil
	})
	r = newResolutionRig(t, "full", "hand_over", agent.WithIntentResolver("return_request", invented))
	res = r.email("I want to send it back, order ORD-654321.", false)
	if res.Resolution == nil || res.Resolution.Decision.Kind == resolve.Resolved || len(res.Resolution.Dropped) == 0 || !res.Resolution.HandedOver {
		t.Errorf("invented citation: %+v", res.Resolution)
	}
	for _, s := range r.out.Sent() {
		if strings.Contains(s.Message.Text, "free forever") {
			t.Errorf("an uncited answer was sent: %q", s.Message.Text)
		}
	}
}

// A line of business set to off is left to people.
func TestResolutionOffLine(t *testing.T) {
	r := newResolutionRig(t, "full", "hand_over")
	res := r.email("I want to send it back, order ORD-654321.", false)
	ctx := context.Background()
	if _, err := r.ag.EditCase(ctx, res.Case.ID, "rep-1", map[string]any{"segment": "Business"}); err != nil {
		t.Fatal(err)
	}
	before := r.out.Len()
	out, err := r.ag.Resolve(ctx, res.Case.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if out.Resolution != nil || r.out.Len() != before {
		t.Errorf("business line (off): %+v", out.Resolution)
	}
}

// Hosts following the change feed see the agent's mail and drafts: an
// "email sent" event with every message the agent sends and a "draft
// waiting" event with every draft, in the same transaction as the write.
func TestFeedCarriesSentMailAndDrafts(t *testing.T) {
	for _, automation := range []string{"full", "confirm"} {
		r := newResolutionRig(t, automation, "hand_over")
		res := r.email("I want to send it back, order ORD-654321.", false)
		entries, err := r.store.ReadChanges(context.Background(), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[casemgmt.ChangeKind]int{}
		for _, e := range entries {
			if e.CaseID == res.Case.ID {
				kinds[e.Kind]++
			}
		}
		want := casemgmt.ChangeEmailSent
		if automation == "confirm" {
			want = casemgmt.ChangeDraftWaiting
		}
		if kinds[want] != 1 || kinds[casemgmt.ChangeCaseCreated] != 1 {
			t.Errorf("%s: feed kinds %v, want one %s", automation, kinds, want)
		}
	}
}

// Where the line of business says so, an email the knowledge base answers
// is answered without a case; one it cannot answer makes a case; and the
// customer coming back to the answer gets a case too.
func TestResolutionEmailWithoutCase(t *testing.T) {
	r := newResolutionRig(t, "full", "hand_over")
	cfg := r.ag.Config()
	cfg.Resolution.Lines[1].EmailWithoutCase = true
	ag, err := agent.New(r.store, resolutionPredictor, cfg, agent.WithClock(r.clock), agent.WithMessageIDs(mailIDs),
		agent.WithSender(r.out, channel.Address{Email: "support@acme.example"}))
	if err != nil {
		t.Fatal(err)
	}
	r.ag = ag
	res := r.email("Hello, I want to send it back, order ORD-654321.", false)
	if res.Case != nil || res.Resolution == nil || !res.Resolution.Sent || r.out.Len() != 1 {
		t.Fatalf("answer without a case: %s (%s), case %v, %d sent", res.Outcome, res.Reason, res.Case, r.out.Len())
	}
	if got, _ := r.out.Last(); !strings.Contains(got.Message.Text, "within 30 days") || got.Message.CaseID != "" {
		t.Errorf("answer %+v", got.Message)
	}
	if n, _ := r.store.ListCases(context.Background(), casemgmt.ListQuery{}); len(n.Cases) != 0 {
		t.Errorf("%d cases", len(n.Cases))
	}
	// The same email again changes nothing and sends nothing.
	r.mu.Lock()
	r.n--
	r.mu.Unlock()
	if res := r.email("Hello, I want to send it back, order ORD-654321.", false); res.Outcome != casemgmt.OutcomeDuplicate || r.out.Len() != 1 {
		t.Errorf("redelivery: %s (%s), %d sent", res.Outcome, res.Reason, r.out.Len())
	}
	// The customer comes back: a case.
	res = r.email("That did not work, the label page fails.", true)
	if res.Outcome != casemgmt.OutcomeCreated {
		t.Errorf("comeback: %s (%s)", res.Outcome, res.Reason)
	}
	// An email the knowledge base cannot answer makes a case.
	res = r.email("I cannot log in anymore.", false)
	if res.Outcome != casemgmt.OutcomeCreated {
		t.Errorf("unanswerable: %s (%s)", res.Outcome, res.Reason)
	}
}

// Resolution's messages share the daily limit per address that
// acknowledgements have: a customer who writes again and again is not
// flooded with answers.
func TestResolutionMailIsRateLimited(t *testing.T) {
	r := newResolutionRig(t, "full", "hand_over", agent.WithAckLimit(1))
	r.email("I want to send it back, order ORD-654321.", false)
	if r.out.Len() != 1 {
		t.Fatalf("first answer: %d sent", r.out.Len())
	}
	res := r.email("The lamp too: I want to send it back, order ORD-111111.", false)
	if r.out.Len() != 1 || res.Resolution == nil || !strings.Contains(res.Resolution.Reason, "limit") {
		t.Errorf("second answer the same day: %d sent, %+v", r.out.Len(), res.Resolution)
	}
}

// What a resolver's model call cost is recorded with the resolution run.
func TestResolutionRecordsResolverUsage(t *testing.T) {
	costly := resolve.Func(func(ctx context.Context, req *resolve.Request) (*resolve.Decision, error) {
		return &resolve.Decision{Kind: resolve.NoAction, Reason: "nothing to do",
			Usage: &predict.Usage{Calls: 1, PromptTokens: 900, CompletionTokens: 80, TotalTokens: 980, Cost: 0.002}, Model: "llm:test"}, nil
	})
	r := newResolutionRig(t, "full", "hand_over", agent.WithIntentResolver("password_reset", costly))
	res := r.email("I cannot log in anymore.", false)
	ins, err := r.store.ListInteractions(context.Background(), casemgmt.InteractionQuery{CaseID: res.Case.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if in.Trigger == agent.TriggerResolution && in.Usage.TotalTokens >= 980 && in.Predictor == "llm:test" {
			return
		}
	}
	t.Errorf("no resolution record carries the resolver's usage: %+v", ins)
}
