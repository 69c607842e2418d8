package resolve_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

func TestQuery(t *testing.T) {
	msgs := []channel.Message{
		{Role: channel.RoleCustomer, Subject: "Thermostat", Text: "Which batteries?", Quoted: "> old", Signature: "Ana"},
		{Role: channel.RoleAgent, Text: "We received your message."},
		{Role: channel.RoleRepresentative, Text: "Which model?"},
		{Direction: channel.Inbound, Text: "  The Thermo 2.  "},
		{Direction: channel.Inbound, AutoReply: true, Text: "I am out of office."},
		{Role: channel.RoleCustomer, Bounce: true, Text: "Undeliverable"},
	}
	got := resolve.Query(&resolve.Intent{Name: "batteries", Articles: []string{"kb-1"}}, msgs, "en")
	want := knowledge.Query{Text: "Thermostat\nWhich batteries?\nThe Thermo 2.", Language: "en", Articles: []string{"kb-1"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Query (-want +got):\n%s", d)
	}
	if q := resolve.Query(nil, nil, ""); q.Text != "" || q.Articles != nil {
		t.Errorf("empty: %+v", q)
	}
}
