package agent_test

import (
	"context"
	"fmt"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
)

// Before switching follow-ups on, a tenant asks what they would do over
// the cases waiting today, two working days from now; nothing is written
// or sent.
func ExampleAgent_Simulate() {
	ctx := context.Background()
	cfg, err := agent.ParseConfig([]byte(exampleConfig + `
follow_up:
  - name: waiting
    when: {field: status, op: equals, value: waiting_on_customer}
    waits: [2d, 3d]
    calendar: {time_zone: Europe/Lisbon, days: [mon, tue, wed, thu, fri], hours: "09:00-18:00"}
    messages: [{subject: "About {{case_number}}", body: "Any news, {{contact_name}}?"}]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC) // a Friday
	clock := func() time.Time { return now }
	store := memstore.New(memstore.WithClock(clock))
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		fmt.Println(err)
		return
	}
	ag, err := agent.New(store, examplePredictor, cfg, agent.WithClock(clock),
		agent.WithSender(&channel.Outbox{}, channel.Address{Email: "support@example.org"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	conv := &channel.Conversation{ID: "chat-1", Kind: channel.KindChat, Status: channel.StatusEnded,
		Customer: channel.Customer{ContactID: "C-1"},
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "My router keeps rebooting.", Time: now}}}
	res, err := ag.ConversationEnded(ctx, conv, "rep-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := ag.EditCase(ctx, res.Case.ID, "rep-1", map[string]any{"status": "waiting_on_customer"}); err != nil {
		fmt.Println(err)
		return
	}
	c, _ := store.GetCase(ctx, res.Case.ID)
	fmt.Println("first follow-up due:", c.NextDueAt.Format("Mon 15:04"))

	runs, err := ag.Simulate(ctx, agent.SimulateOptions{Capability: agent.SimulateFollowUp,
		Query: casemgmt.ListQuery{Statuses: []casemgmt.Status{casemgmt.StatusWaitingOnCustomer}}, At: c.NextDueAt})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range runs {
		fmt.Println(r.Action+":", r.Messages[0].Text)
	}
	c, _ = store.GetCase(ctx, res.Case.ID)
	fmt.Println("still due:", c.NextDueAt.Format("Mon 15:04"))
	// Output:
	// first follow-up due: Tue 10:00
	// follow_up_sent: Any news, Ana Lima?
	// still due: Tue 10:00
}
