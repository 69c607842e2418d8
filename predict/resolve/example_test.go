package resolve_test

import (
	"context"
	"fmt"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

func Example() {
	ctx := context.Background()
	ix, _ := knowledge.NewIndex([]knowledge.Article{{
		ID: "battery", Title: "Replace the thermostat batteries", Language: "en", URL: "https://help.example.com/battery",
		Body: "The thermostat runs on two AA batteries.\n\nPull the cover off and put in two new alkaline batteries.",
	}})
	intent := &resolve.Intent{Name: "batteries", Attributes: []resolve.Attribute{{Name: "product", Label: "thermostat model"}}}
	text := "Which batteries does my thermostat take?"
	hits, _ := ix.Retrieve(ctx, knowledge.Query{Text: text, Language: "en"})
	req := &resolve.Request{Intent: intent, Language: "en", Hits: hits,
		Messages: []channel.Message{{Role: channel.RoleCustomer, Text: text}}}

	r, _ := resolve.NewDefault()
	d, _ := r.Resolve(ctx, req)
	d, _ = resolve.Validate(req, d) // always, whatever the resolver
	fmt.Printf("%s %v\n%s\n\n", d.Kind, d.Ask, d.Message)

	req.Known = map[string]any{"product": "Thermo 2"}
	d, _ = r.Resolve(ctx, req)
	d, _ = resolve.Validate(req, d)
	fmt.Printf("%s, %d citations\n%s\n", d.Kind, len(d.Citations), d.Message)
	// Output:
	// question [product]
	// To help you, we need one more detail:
	// - What is your thermostat model?
	//
	// resolved, 2 citations
	// Here is what our help articles say about this:
	//
	// Replace the thermostat batteries
	//
	// The thermostat runs on two AA batteries.
	//
	// Pull the cover off and put in two new alkaline batteries.
	//
	// Read more: https://help.example.com/battery
	//
	// If this does not solve the problem, reply to this message and a member of our team will take over.
}
