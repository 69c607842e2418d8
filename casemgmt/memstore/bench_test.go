package memstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func benchCase(i int) *casemgmt.Case {
	return &casemgmt.Case{
		Title:     "Router reboots",
		ContactID: fmt.Sprintf("C-%d", i%1000),
		Fields:    casemgmt.Values{"issue_description": "My router reboots every few minutes.", "category": "Product defect", "devices": int64(2)},
		Provenance: map[string]casemgmt.Provenance{
			"issue_description": {Actor: casemgmt.Actor{Kind: casemgmt.ActorAgent}, Time: t0, Confidence: 0.8, MessageIDs: []string{fmt.Sprintf("m%d", i)}},
		},
		Links:     []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: fmt.Sprintf("<%d@mail.example>", i)}, {Kind: casemgmt.LinkConversation, ID: fmt.Sprintf("chat-%d", i)}},
		NextDueAt: t0.Add(time.Duration(i%5000) * time.Minute),
		Status:    casemgmt.StatusWaitingOnCustomer,
	}
}

func fill(b *testing.B, n int) *memstore.Store {
	b.Helper()
	s := memstore.New()
	for i := range n {
		if err := s.CreateCase(context.Background(), benchCase(i), casemgmt.Write{Time: t0}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkCreate(b *testing.B) {
	s := memstore.New()
	ctx := context.Background()
	audit := []casemgmt.AuditEntry{{Field: casemgmt.AttrCase, New: "created", Actor: casemgmt.Actor{Kind: casemgmt.ActorAgent}}}
	i := 0
	for b.Loop() {
		if err := s.CreateCase(ctx, benchCase(i), casemgmt.Write{Time: t0, Audit: audit}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkUpdateWithAudit(b *testing.B) {
	s := fill(b, 1000)
	ctx := context.Background()
	c, err := s.FindCaseByConversation(ctx, "chat-7")
	if err != nil {
		b.Fatal(err)
	}
	agent := casemgmt.Actor{Kind: casemgmt.ActorAgent}
	for b.Loop() {
		old := c.Fields["devices"]
		c.Fields["devices"] = old.(int64) + 1
		w := casemgmt.Write{Audit: []casemgmt.AuditEntry{{Field: "devices", Old: old, New: c.Fields["devices"], Actor: agent, Confidence: 0.9}}}
		if err := s.UpdateCase(ctx, c, w); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindByThread(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			s := fill(b, n)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				k := i % n
				refs := []string{"<unknown@elsewhere>", fmt.Sprintf("<%d@mail.example>", k)}
				cs, err := s.FindCasesByMessageID(ctx, refs)
				if err != nil || len(cs) != 1 {
					b.Fatalf("%d cases, %v", len(cs), err)
				}
				i++
			}
		})
	}
}

func BenchmarkFindDue(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			s := fill(b, n)
			ctx := context.Background()
			f := casemgmt.Filter{Statuses: []casemgmt.Status{casemgmt.StatusWaitingOnCustomer}, Limit: 50}
			for b.Loop() {
				cs, err := s.FindDueCases(ctx, t0.Add(time.Hour), f)
				if err != nil || len(cs) != 50 {
					b.Fatalf("%d cases, %v", len(cs), err)
				}
			}
		})
	}
}
