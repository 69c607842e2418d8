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
