package llm_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict/llm"
)

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// Two requests of a tenant for the same fields, with different
// conversations and known values, send the same bytes up to the data
// fence's name, which comes right before the customer's text: the
// instructions, the fields and the schema are one stable prefix that
// providers cache.
func TestStablePrefix(t *testing.T) {
	tn := fixture(t)
	for _, provider := range providers {
		for _, mode := range []llm.Mode{llm.ModeTool, llm.ModeJSON} {
			t.Run(provider+"/"+mode.String(), func(t *testing.T) {
				srv := server(t, provider, llmfake.Answer(goodArgs))
				p, _ := predictor(t, srv, provider, llm.WithMode(mode))
				first := request(tn.Fields, &directory{}, channel.Message{ID: "a", Role: channel.RoleCustomer, Text: "My Rinse 45 dishwasher stops mid-cycle with error E24, says Zebediah."})
				second := request(tn.Fields, &directory{}, channel.Message{ID: "b", Role: channel.RoleCustomer, Text: "I was charged twice for order 5531."})
				second.Known = map[string]any{"priority": "High"}
				if _, err := p.Predict(context.Background(), first); err != nil {
					t.Fatal(err)
				}
				if _, err := p.Predict(context.Background(), second); err != nil {
					t.Fatal(err)
				}
				rs := srv.Requests()
				if len(rs) != 2 {
					t.Fatalf("%d requests, want 2", len(rs))
				}
				a, b := rs[0], rs[1]
				fence := bytes.Index([]byte(a.System), []byte("\nThe data fence: "))
				if fence < 0 {
					t.Fatalf("no fence line in the system text:\n%s", a.System)
				}
				if n := commonPrefix([]byte(a.System), []byte(b.System)); n < fence {
					t.Errorf("system texts part at byte %d of %d, before the fence line at %d:\n%q\n%q",
						n, len(a.System), fence, a.System[n:min(n+80, len(a.System))], b.System[n:min(n+80, len(b.System))])
				}
				if len(a.Tools) != len(b.Tools) || (len(a.Tools) > 0 && !bytes.Equal(a.Tools[0].Schema, b.Tools[0].Schema)) {
					t.Errorf("the tool definitions differ")
				}
				// On the wire: the bodies agree up to the fence's name
				// wherever the client writes the system text before the
				// conversation (OpenAI's and Ollama's; Anthropic's client
				// writes the messages first in its JSON, but the provider
				// caches tools, system and messages in that order).
				wire := bytes.Index(a.Body, []byte("The data fence: "))
				user := bytes.Index(a.Body, []byte("Zebediah"))
				if wire < 0 || user < 0 {
					t.Fatalf("fence at %d, customer text at %d in the body", wire, user)
				}
				n := commonPrefix(a.Body, b.Body)
				t.Logf("%s: bodies of %d and %d bytes share %d; the fence is named at %d, the customer text begins at %d", provider, len(a.Body), len(b.Body), n, wire, user)
				if wire < user && n < wire {
					t.Errorf("the bodies part at byte %d, before the fence's name at %d", n, wire)
				}
			})
		}
	}
}
