package agent_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/google/go-cmp/cmp"
)

// ttlStore records the TTL of each claim taken, by the claim's kind (the
// name up to its first colon).
type ttlStore struct {
	casemgmt.Store
	mu   sync.Mutex
	ttls map[string]time.Duration
}

func (s *ttlStore) AcquireClaim(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	kind, _, _ := strings.Cut(name, ":")
	s.ttls[kind] = ttl
	s.mu.Unlock()
	return s.Store.AcquireClaim(ctx, name, owner, ttl)
}

// TestClaimTTL: the claims on an email being handled and on a case whose
// follow-up is being sent last two minutes and one by default, and what
// WithClaimTTL says when set, so that a host can let another process take
// over sooner after a crash.
func TestClaimTTL(t *testing.T) {
	for name, tc := range map[string]struct {
		opts []agent.Option
		want map[string]time.Duration
	}{
		"defaults": {nil, map[string]time.Duration{"email": 2 * time.Minute, "followup": time.Minute}},
		"set":      {[]agent.Option{agent.WithClaimTTL(7 * time.Second)}, map[string]time.Duration{"email": 7 * time.Second, "followup": 7 * time.Second}},
		"zero":     {[]agent.Option{agent.WithClaimTTL(0)}, map[string]time.Duration{"email": 2 * time.Minute, "followup": time.Minute}},
	} {
		t.Run(name, func(t *testing.T) {
			f := newMailFixture(t, func(cfg *agent.Config) {
				cfg.FollowUp = []agent.FollowUpPolicy{{Name: "waiting", Waits: []agent.Duration{agent.Duration(time.Hour)},
					When: json.RawMessage(`{"field": "status", "op": "equals", "value": "waiting_on_customer"}`)}}
			})
			store := &ttlStore{Store: f.store, ttls: map[string]time.Duration{}}
			a, err := agent.New(store, f.pred, f.cfg, append([]agent.Option{agent.WithClock(f.clock.now)}, tc.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := a.InboundEmail(context.Background(), "support@acme.example", parse(t, msg{id: "ttl-1@example.org", subject: "Camera dead"}.raw()))
			if err != nil || res.Case == nil {
				t.Fatalf("InboundEmail: %v %v", res, err)
			}
			if _, err := a.EditCase(context.Background(), res.Case.ID, "rep-1", map[string]any{"status": string(casemgmt.StatusWaitingOnCustomer)}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.RunDue(context.Background(), f.clock.now().Add(1000*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, store.ttls); diff != "" {
				t.Errorf("claim TTLs (-want +got):\n%s", diff)
			}
		})
	}
}
