package main

import (
	"net/http"
	"testing"

	"github.com/caseagent/caseagent/internal/pgtest"
)

// TestPostgresProcessesShareCases runs two processes on one PostgreSQL
// database and sends the events of one conversation and one email to both,
// as a load balancer would: there is one case for each.
func TestPostgresProcessesShareCases(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := startNamed(t, "proc-a", dsn, "")
	b := startNamed(t, "proc-b", dsn, "")
	urls := []string{a.url, b.url}
	for i, ev := range chatStory("conv-pg") {
		for _, u := range []string{urls[i%2], urls[(i+1)%2]} { // each event twice, to both
			if code := chatEvent(t, u, ev); code != http.StatusOK {
				t.Fatalf("chat event %s to %s: %d", ev.ID, u, code)
			}
		}
	}
	mail := newEmail("pg-1@mail.example.com", "Floodlight on PostgreSQL")
	for _, u := range urls {
		if code, err := postEmail(u, mail); err != nil || code != http.StatusOK {
			t.Fatalf("email to %s: %d %v", u, code, err)
		}
	}
	if got := countCases(t, a.svc.store); got != 2 {
		t.Errorf("%d cases, want 2 (one for the chat, one for the email)", got)
	}
	if _, err := b.svc.store.FindCaseByConversation(t.Context(), "conv-pg"); err != nil {
		t.Errorf("the other process does not see the chat's case: %v", err)
	}
}
