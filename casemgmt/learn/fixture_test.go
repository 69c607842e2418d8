package learn_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
)

// The labelled set these tests train on is generated: each case is a few
// sentences drawn from phrases of its true category, plus phrases shared
// by every category and, for urgent cases, a cue of urgency. The
// categories overlap on purpose (a refund is about billing and often
// about a return; a login is about access and sometimes about billing).

var categories = []string{"billing", "shipping", "access", "defect", "returns"}

var phrases = map[string][]string{
	"billing": {
		"I was charged twice for the same order", "the invoice shows a fee I do not recognise",
		"my card was debited but the payment failed", "why did the price on my bill go up",
		"please send me a corrected invoice", "the subscription renewed without asking me",
		"there is an unknown charge on my statement", "can I pay by bank transfer instead",
		"the VAT on the receipt is wrong", "I was billed after I cancelled",
	},
	"shipping": {
		"my parcel has not arrived yet", "the tracking number shows no movement for a week",
		"the courier says the address is wrong", "can you ship to my office instead",
		"the delivery date keeps moving", "the package was left at the wrong door",
		"how long does delivery take to Spain", "the box arrived half empty",
		"the driver never came", "my order is stuck at the depot",
	},
	"access": {
		"I cannot log in to my account", "the password reset email never arrives",
		"my account is locked after too many attempts", "two factor codes are not accepted",
		"I changed my email and now cannot sign in", "the app logs me out every minute",
		"please unlock my user", "single sign on fails with an error",
		"I forgot my username", "the login page keeps loading",
	},
	"defect": {
		"the device does not turn on", "the screen flickers after the update",
		"the battery drains in an hour", "it makes a loud noise when running",
		"the charger stopped working", "the buttons do not respond",
		"it overheats after ten minutes", "the firmware update failed and it is stuck",
		"water leaks from the bottom", "the display shows error code 42",
	},
	"returns": {
		"I want to return the item", "how do I send this back for a refund",
		"the refund for my return has not come", "can I exchange it for another size",
		"please send a return label", "I returned it two weeks ago and heard nothing",
		"the return window closed while I was away", "I would like my money back for the return",
		"the item I received is not what I ordered and I want to send it back", "do I pay for return shipping",
	},
}

// confusers are phrases of one category that read like another's.
var confusers = map[string][]string{
	"billing":  {"the refund was charged as a new payment"},
	"shipping": {"the return parcel has not arrived at your warehouse"},
	"access":   {"I cannot see my invoices since I cannot log in"},
	"defect":   {"it broke in the delivery box"},
	"returns":  {"the item is broken and I want to send it back"},
}

var filler = []string{
	"Hello,", "Hi team,", "Thanks in advance.", "Order 55120.", "This is the second time I write.",
	"Please help.", "I bought it last month.", "Regards, Sam", "I am not happy about this.", "My customer number is 8812.",
}

var urgent = []string{"This is urgent!", "I need this fixed today.", "Our whole shop is blocked.", "ASAP please."}

type story struct {
	text     string
	category string
	priority string
}

// makeStories returns n generated cases for seed.
func makeStories(n int, seed uint64) []story {
	r := rand.New(rand.NewPCG(seed, 17))
	out := make([]story, n)
	for i := range out {
		cat := categories[r.IntN(len(categories))]
		var parts []string
		parts = append(parts, filler[r.IntN(len(filler))])
		k := 1 + r.IntN(2)
		for range k {
			ps := phrases[cat]
			parts = append(parts, ps[r.IntN(len(ps))]+".")
		}
		if r.IntN(5) == 0 {
			cs := confusers[cat]
			parts = append(parts, cs[r.IntN(len(cs))]+".")
		}
		pri := "normal"
		if r.IntN(4) == 0 {
			pri = "urgent"
			parts = append(parts, urgent[r.IntN(len(urgent))])
		}
		parts = append(parts, filler[r.IntN(len(filler))])
		out[i] = story{text: strings.Join(parts, " "), category: cat, priority: pri}
	}
	return out
}

func testSchema(t testing.TB) *casemgmt.Schema {
	t.Helper()
	var opts []predict.Option
	for _, c := range categories {
		opts = append(opts, predict.Option{Value: c})
	}
	s, err := casemgmt.NewSchema([]casemgmt.Field{
		{Field: predict.Field{Name: "description", Type: predict.TypeText, Multiline: true}},
		{Field: predict.Field{Name: "category", Type: predict.TypeChoice, Options: opts}},
		{Field: predict.Field{Name: "priority", Type: predict.TypeChoice, Options: []predict.Option{{Value: "normal"}, {Value: "urgent"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// simulation says how the store's history came about.
type simulation struct {
	// person is the share of cases whose category a person set.
	person float64
	// correct is the chance that a person corrects a wrong agent value,
	// and accept that a person gives a thumbs up to a right one.
	correct, accept float64
}

// agentModel is what the agent predicted categories with before the
// tenant had history: a few phrases per option.
func agentModel(t testing.TB) *textclass.Model {
	t.Helper()
	var opts []predict.Option
	for _, c := range categories {
		opts = append(opts, predict.Option{Value: c, Examples: phrases[c][:2]})
	}
	m, err := textclass.TrainFewShot(context.Background(), predict.Field{Name: "category", Type: predict.TypeChoice, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// fill writes the stories into st as resolved cases, one an hour from
// start, with the category set by a person, or by the agent and then
// perhaps corrected or accepted, as sim says. It returns how many agent
// values were wrong and left so.
func fill(t testing.TB, st casemgmt.Store, stories []story, sim simulation, seed uint64) (wrongLeft int) {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 99))
	agent := agentModel(t)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	person := casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep1"}
	bot := casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "agent"}
	for i, s := range stories {
		at := start.Add(time.Duration(i) * time.Hour)
		c := &casemgmt.Case{
			Title:  fmt.Sprintf("Case %d", i),
			Status: casemgmt.StatusResolved,
			Fields: casemgmt.Values{"description": s.text, "priority": s.priority},
			Provenance: map[string]casemgmt.Provenance{
				"description": {Actor: person, Time: at},
				"priority":    {Actor: person, Time: at},
			},
		}
		audit := []casemgmt.AuditEntry{
			{Field: "description", New: s.text, Actor: person},
			{Field: "priority", New: s.priority, Actor: person},
		}
		var later *casemgmt.AuditEntry
		if r.Float64() < sim.person {
			c.Fields["category"] = s.category
			c.Provenance["category"] = casemgmt.Provenance{Actor: person, Time: at}
			audit = append(audit, casemgmt.AuditEntry{Field: "category", New: s.category, Actor: person})
		} else {
			guess, conf := agent.Classify(s.text)
			c.Fields["category"] = guess
			c.Provenance["category"] = casemgmt.Provenance{Actor: bot, Time: at, Confidence: conf}
			audit = append(audit, casemgmt.AuditEntry{Field: "category", New: guess, Actor: bot, Confidence: conf})
			switch {
			case guess != s.category && r.Float64() < sim.correct:
				later = &casemgmt.AuditEntry{Field: "category", Old: guess, New: s.category, Actor: person, Reason: "edited by a representative"}
			case guess == s.category && r.Float64() < sim.accept:
				later = &casemgmt.AuditEntry{Field: "category", Old: guess, New: guess, Actor: person, Reason: "feedback: accepted by a representative"}
			case guess != s.category:
				wrongLeft++
			}
		}
		if err := st.CreateCase(ctx, c, casemgmt.Write{Time: at, Audit: audit}); err != nil {
			t.Fatal(err)
		}
		if later != nil {
			c.Fields["category"] = later.New
			c.Provenance["category"] = casemgmt.Provenance{Actor: person, Time: at.Add(time.Minute)}
			if err := st.UpdateCase(ctx, c, casemgmt.Write{Time: at.Add(time.Minute), Audit: []casemgmt.AuditEntry{*later}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return wrongLeft
}

type predictField = predict.Field

func testField(t testing.TB, name string) predict.Field {
	t.Helper()
	f, ok := testSchema(t).Field(name)
	if !ok {
		t.Fatalf("no field %s", name)
	}
	return f.PredictField()
}
