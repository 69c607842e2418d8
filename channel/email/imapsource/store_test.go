package imapsource_test

import (
	"context"
	"errors"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"github.com/caseagent/caseagent/internal/mailtest"
)

// casemgmt.Store is a State.
var _ imapsource.State = casemgmt.Store(nil)

// TestCasemgmtStoreAsState keeps the position in the in-memory casemgmt
// store, whose missing keys are casemgmt.ErrNotFound.
func TestCasemgmtStoreAsState(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	all := ids("c", 6)
	for _, id := range all[:4] {
		a.append("INBOX", message(id, "x"))
	}
	store := memstore.New()
	rec := &recorder{}
	isNotFound := func(err error) bool { return errors.Is(err, casemgmt.ErrNotFound) }
	edit := func(c *imapsource.Config) {
		c.IsNotFound = isNotFound
		c.BatchSize = 3
		c.Mark = imapsource.MarkFlag
	}
	p := newPoller(t, s, u, store, rec, edit)
	if rep, err := p.PollOnce(context.Background()); err != nil || rep.Received != 3 {
		t.Fatalf("first poll: %+v, %v; want 3 received", rep, err)
	}
	p.Close()
	for _, id := range all[4:] {
		a.append("INBOX", message(id, "x"))
	}
	p2 := newPoller(t, s, u, store, rec, edit)
	if n, _ := pollAll(t, p2); n != 3 {
		t.Errorf("restarted poller received %d, want 3", n)
	}
	onceEach(t, rec, all)
}
