package replay_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt/replay"
)

func TestParse(t *testing.T) {
	src := `{"id": "s1", "channel": "chat", "customer": {"authenticated_contact": "C-1"},
	 "steps": [
	  {"event": "accepted"},
	  {"customer": "My X200 reboots."},
	  {"rep": "Which serial?"},
	  {"human_edit": {"priority": "High"}},
	  {"advance": "48h"},
	  {"event": "update_requested", "by": "rep-3"},
	  {"expect": {"case": "created", "status": "active", "sent": 0,
	    "fields": {"product": "P-X200", "issue_description": {"mentions": ["reboot"]}, "serial_number": {"empty": true}}}}
	 ]}`
	s, err := replay.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	want := []replay.Step{
		{Kind: replay.StepEvent, Event: "accepted"},
		{Kind: replay.StepCustomer, Text: "My X200 reboots."},
		{Kind: replay.StepRep, Text: "Which serial?"},
		{Kind: replay.StepHumanEdit, Edit: map[string]any{"priority": "High"}},
		{Kind: replay.StepAdvance, Advance: 48 * time.Hour},
		{Kind: replay.StepEvent, Event: "update_requested", By: "rep-3"},
		{Kind: replay.StepExpect, Expect: &replay.Expect{Case: "created", Status: "active", Sent: &zero,
			Fields: map[string]replay.FieldExpect{
				"product":           {Equals: "P-X200"},
				"issue_description": {Mentions: []string{"reboot"}},
				"serial_number":     {Empty: true},
			}}},
	}
	if diff := cmp.Diff(want, s.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if s.Customer.AuthenticatedContact != "C-1" {
		t.Errorf("customer = %+v", s.Customer)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown top key", `{"id":"x","channel":"chat","stepz":[]}`, "stepz"},
		{"no id", `{"channel":"chat","steps":[{"event":"ended"}]}`, "no id"},
		{"bad channel", `{"id":"x","channel":"fax","steps":[{"event":"ended"}]}`, "fax"},
		{"two kinds", `{"id":"x","channel":"chat","steps":[{"event":"ended","rep":"hi"}]}`, "exactly one"},
		{"no kind", `{"id":"x","channel":"chat","steps":[{}]}`, "exactly one"},
		{"unknown event", `{"id":"x","channel":"chat","steps":[{"event":"paused"}]}`, "paused"},
		{"update without by", `{"id":"x","channel":"chat","steps":[{"event":"update_requested"}]}`, "needs by"},
		{"bad duration", `{"id":"x","channel":"chat","steps":[{"advance":"two days"}]}`, "duration"},
		{"bad case", `{"id":"x","channel":"chat","steps":[{"expect":{"case":"maybe"}}]}`, "maybe"},
		{"unknown expect key", `{"id":"x","channel":"chat","steps":[{"expect":{"feilds":{}}}]}`, "feilds"},
		{"null field", `{"id":"x","channel":"chat","steps":[{"expect":{"fields":{"a":null}}}]}`, "empty"},
		{"empty false", `{"id":"x","channel":"chat","steps":[{"expect":{"fields":{"a":{"empty":false}}}}]}`, "only be true"},
		{"extra key in event", `{"id":"x","channel":"chat","steps":[{"event":"ended","when":"now"}]}`, "when"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := replay.Parse([]byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLoadPublicScenarios(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "scenarios")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no shared scenarios beside the module (%v)", err)
	}
	ss, err := replay.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) == 0 {
		t.Fatal("no scenarios loaded")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"s","channel":"chat","steps":[{"event":"accepted"},{"expect":{"case":"none"}}]}`))
	f.Add([]byte(`{"id":"s","channel":"email","steps":[{"email":"From: a@b\n\nhi"},{"expect":{"fields":{"x":{"mentions":["a"]}}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := replay.Parse(b)
		if err == nil && (s.ID == "" || len(s.Steps) == 0) {
			t.Fatalf("accepted an incomplete scenario: %+v", s)
		}
	})
}
