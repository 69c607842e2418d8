package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
)

func Example() {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := memstore.New(memstore.WithClock(func() time.Time { return now }))

	agent := casemgmt.Actor{Kind: casemgmt.ActorAgent}
	c := &casemgmt.Case{
		Title: "Router reboots",
		Links: []casemgmt.Link{{Kind: casemgmt.LinkConversation, ID: "chat-42"}},
	}
	// The key makes a redelivered "conversation accepted" a no-op.
	w := casemgmt.Write{Key: "chat-42:accepted", Audit: []casemgmt.AuditEntry{{Field: casemgmt.AttrCase, New: "created", Actor: agent}}}
	if err := s.CreateCase(ctx, c, w); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Number, c.Status, c.Version)

	err := s.CreateCase(ctx, &casemgmt.Case{Title: "again"}, w)
	fmt.Println(errors.Is(err, casemgmt.ErrKeyUsed))

	found, _ := s.FindCaseByConversation(ctx, "chat-42")
	stale := found.Clone()
	found.Title = "Router reboots hourly"
	_ = s.UpdateCase(ctx, found, casemgmt.Write{Audit: []casemgmt.AuditEntry{{Field: "title", Old: "Router reboots", New: found.Title, Actor: agent}}})
	err = s.UpdateCase(ctx, stale, casemgmt.Write{})
	fmt.Println(errors.Is(err, casemgmt.ErrConflict))

	audit, _ := s.ListAudit(ctx, c.ID)
	fmt.Println(len(audit), audit[1].Time.Equal(now))
	// Output:
	// CAS-000001 active 1
	// true
	// true
	// 2 true
}

// A consumer follows the change feed from its own cursor; the agent's
// "email sent" rides on the write that created the case.
func ExampleStore_ReadChanges() {
	ctx := context.Background()
	s := memstore.New()
	agent := casemgmt.Actor{Kind: casemgmt.ActorAgent}
	c := &casemgmt.Case{Title: "Router reboots"}
	_ = s.CreateCase(ctx, c, casemgmt.Write{
		Audit:  []casemgmt.AuditEntry{{Field: casemgmt.AttrCase, New: "created", Actor: agent}},
		Events: []casemgmt.Event{{Kind: casemgmt.ChangeEmailSent, Actor: agent, Data: map[string]string{"purpose": "acknowledgement"}}},
	})
	c.Status = casemgmt.StatusWaitingOnCustomer
	_ = s.UpdateCase(ctx, c, casemgmt.Write{Audit: []casemgmt.AuditEntry{{Field: casemgmt.AttrStatus, Old: "active", New: "waiting_on_customer", Actor: agent}}})

	var cursor int64 // kept by the consumer, e.g. with PutState
	for {
		entries, err := s.ReadChanges(ctx, cursor, 10)
		if err != nil || len(entries) == 0 {
			break
		}
		for _, e := range entries {
			switch {
			case e.Event != nil:
				fmt.Println(e.Seq, e.Kind, e.CaseNumber, e.Event.Data["purpose"])
			default:
				fmt.Println(e.Seq, e.Kind, e.CaseNumber, e.Case.Status)
			}
			cursor = e.Seq
		}
	}
	// Output:
	// 1 case_created CAS-000001 active
	// 2 email_sent CAS-000001 acknowledgement
	// 3 case_updated CAS-000001 waiting_on_customer
}

// Listing a contact's open cases, newest first, two to a page.
func ExampleStore_ListCases() {
	ctx := context.Background()
	s := memstore.New()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		_ = s.CreateCase(ctx, &casemgmt.Case{Title: fmt.Sprint("case ", i), ContactID: "C-1"},
			casemgmt.Write{Time: start.Add(time.Duration(i) * time.Hour)})
	}
	q := casemgmt.ListQuery{ContactID: "C-1", Statuses: []casemgmt.Status{casemgmt.StatusActive}, Order: casemgmt.NewestFirst, Limit: 2}
	for page := 1; ; page++ {
		p, err := s.ListCases(ctx, q)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, c := range p.Cases {
			fmt.Println(page, c.Number, c.Title)
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	// Output:
	// 1 CAS-000005 case 4
	// 1 CAS-000004 case 3
	// 2 CAS-000003 case 2
	// 2 CAS-000002 case 1
	// 3 CAS-000001 case 0
}
