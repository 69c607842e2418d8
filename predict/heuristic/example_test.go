package heuristic_test

import (
	"context"
	"fmt"
	"sort"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/heuristic"
)

type directory []predict.Contact

func (d directory) FindContacts(_ context.Context, q predict.ContactQuery) ([]predict.Contact, error) {
	var out []predict.Contact
	for _, c := range d {
		if q.Email != "" && q.Email == c.Email {
			out = append(out, c)
		}
	}
	return out, nil
}

func Example() {
	fields := []predict.Field{
		{Name: "contact", Type: predict.TypeLookup, Lookup: predict.LookupContacts},
		{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{
			{Value: "Defect", Description: "Use when: a device crashes, reboots or has a hardware fault. Not for: how-to questions."},
			{Value: "Billing", Description: "Use when: invoices, charges, refunds."},
		}},
		{Name: "product", Type: predict.TypeLookup, Options: []predict.Option{
			{Value: "P-X200", Label: "X200 Router", Description: "Also called X200, X-200."},
			{Value: "P-X300", Label: "X300 Router", Description: "Also called X300, X-300."},
		}},
		{Name: "serial", Type: predict.TypeText, Pattern: "SN-[A-Z0-9]{8}"},
		{Name: "issue", Type: predict.TypeText, Description: "What the customer needs, in one or two sentences."},
	}
	msgs := []channel.Message{
		{ID: "1", Kind: channel.KindChat, Role: channel.RoleCustomer, Text: "Hi! My x-200 keeps rebooting every few minutes."},
		{ID: "2", Kind: channel.KindChat, Role: channel.RoleRepresentative, Text: "Which serial is it? And is it the X200?"},
		{ID: "3", Kind: channel.KindChat, Role: channel.RoleCustomer, Text: "sorry, it's the X300 not the X200. serial sn-4k2p9q7z, email ana@example.org"},
	}
	p, err := heuristic.New()
	if err != nil {
		panic(err)
	}
	req := &predict.Request{Fields: fields, Messages: msgs, Directory: directory{{ID: "C-1", Email: "ana@example.org"}}}
	res, err := p.Predict(context.Background(), req)
	if err != nil {
		panic(err)
	}
	kept, _ := predict.Validate(req, res)
	var names []string
	for n := range kept {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("%s: %v\n", n, kept[n].Value)
	}
	// Output:
	// category: Defect
	// contact: C-1
	// issue: My x-200 keeps rebooting every few minutes.
	// product: P-X300
	// serial: SN-4K2P9Q7Z
}
