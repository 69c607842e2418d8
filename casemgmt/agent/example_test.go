package agent_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// exampleConfig is a small tenant: a case needs a description and a
// contact; the category is kept current.
const exampleConfig = `
fields:
  - {name: issue_description, type: text, multiline: true}
  - name: category
    type: choice
    options: [{value: Billing}, {value: Product defect}]
  - {name: contact, type: lookup, lookup: contacts}
contacts:
  - {id: C-1, name: Ana Lima, email: ana@example.org}
create: {fields: [issue_description, contact], require: all}
default_update_fields: [category]
`

// examplePredictor stands in for a real predictor: it reads the
// customer's latest message.
var examplePredictor = predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	res := &predict.Result{Predictor: "example", Predictions: map[string]predict.Prediction{}}
	first := req.Messages[0].Text
	res.Predictions["issue_description"] = predict.Prediction{Value: first, Confidence: 0.9,
		Evidence: []predict.Evidence{{Quote: first}}}
	if req.Customer.ContactID != "" {
		res.Predictions["contact"] = predict.Prediction{Value: req.Customer.ContactID, Confidence: 1}
	}
	if last := req.Messages[len(req.Messages)-1].Text; strings.Contains(last, "charged twice") {
		res.Predictions["category"] = predict.Prediction{Value: "Billing", Confidence: 0.8,
			Evidence: []predict.Evidence{{Quote: "charged twice"}}}
	}
	return res, nil
})

func ExampleAgent() {
	ctx := context.Background()
	cfg, err := agent.ParseConfig([]byte(exampleConfig))
	if err != nil {
		fmt.Println(err)
		return
	}
	store := memstore.New()
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		fmt.Println(err)
		return
	}
	ag, err := agent.New(store, examplePredictor, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}

	conv := &channel.Conversation{ID: "chat-1", Kind: channel.KindChat, Status: channel.StatusAccepted,
		Customer: channel.Customer{ContactID: "C-1"},
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "My invoice looks wrong."}}}
	res, err := ag.ConversationAccepted(ctx, conv, "rep-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Outcome, res.ChangedFields())

	conv.Messages = append(conv.Messages, channel.Message{ID: "m2", Role: channel.RoleCustomer, Text: "I was charged twice in May."})
	res, err = ag.ConversationEnded(ctx, conv, "rep-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	c := res.Case
	fmt.Println(res.Outcome, res.ChangedFields(), c.Fields["category"], c.Provenance["category"].MessageIDs)

	// A representative's edit wins over later predictions.
	if _, err := ag.EditCase(ctx, c.ID, "rep-1", map[string]any{"category": "Product defect"}); err != nil {
		fmt.Println(err)
		return
	}
	conv.Messages = append(conv.Messages, channel.Message{ID: "m3", Role: channel.RoleCustomer, Text: "Yes, charged twice."})
	res, err = ag.ConversationEnded(ctx, conv, "rep-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Interaction.Fields {
		if f.Field == "category" {
			fmt.Println(res.Outcome, f.Value, "-", f.Reason)
		}
	}
	// Output:
	// created [issue_description contact]
	// updated [category] Billing [m2]
	// unchanged Billing - write policy: a person set this value
}
