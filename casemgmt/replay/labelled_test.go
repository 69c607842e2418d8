package replay

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/channel"
)

// A story becomes a labelled case: the messages up to its created case,
// as the agent gets them, and the values it expects exactly.
func TestLabelled(t *testing.T) {
	chat, err := Parse([]byte(`{"id": "c1", "channel": "chat", "customer": {}, "steps": [
		{"customer": "My plug smells of smoke"},
		{"rep": "Please unplug it now."},
		{"event": "ended"},
		{"expect": {"case": "created", "fields": {"category": "Product defect", "priority": "Urgent",
			"issue_description": {"mentions": ["smoke"]}, "serial_number": {"empty": true}}}},
		{"customer": "it is unplugged"},
		{"expect": {"case": "unchanged"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	msgs, fields, err := chat.Labelled()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"category": "Product defect", "priority": "Urgent"}, fields); diff != "" {
		t.Errorf("chat fields (-want +got):\n%s", diff)
	}
	var roles []channel.Role
	for _, m := range msgs {
		roles = append(roles, m.Role)
	}
	if diff := cmp.Diff([]channel.Role{channel.RoleCustomer, channel.RoleRepresentative}, roles); diff != "" {
		t.Errorf("chat messages (-want +got):\n%s", diff)
	}

	mail, err := Parse([]byte(`{"id": "e1", "channel": "email", "steps": [
		{"email": "Message-ID: <a@x>\nFrom: Ana <ana@example.org>\nTo: support@acme-home.example\nSubject: Refund\nContent-Type: text/plain; charset=UTF-8\n\nPlease refund the second charge.\n\n> quoted history\n"},
		{"expect": {"case": "created", "fields": {"category": "Billing"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	msgs, fields, err = mail.Labelled()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Subject != "Refund" || msgs[0].Role != channel.RoleCustomer || fields["category"] != "Billing" {
		t.Errorf("email story: %+v, %v", msgs, fields)
	}

	none, err := Parse([]byte(`{"id": "n1", "channel": "chat", "customer": {}, "steps": [
		{"customer": "hi"}, {"event": "ended"}, {"expect": {"case": "none"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if msgs, fields, err := none.Labelled(); err != nil || len(msgs) != 0 || len(fields) != 0 {
		t.Errorf("a story with no case: %v, %v, %v", msgs, fields, err)
	}
}
