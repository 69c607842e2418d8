package casemgmt_test

import (
	"context"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/predict"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+1 415 555 0101", "+14155550101"},
		{"(415) 555-0101", "4155550101"},
		{"415.555.0101", "4155550101"},
		{"001 415 555 0101", "+14155550101"},
		{"011 44 20 7946 0102", "+442079460102"},
		{"+44 (0)20 7946 0102", "+442079460102"},
		{"020 7946 0102", "2079460102"},
		{"+1 415 555 0101 x12", "+14155550101"},
		{"+1 415 555 0101 ext. 12", "+14155550101"},
		{"1 415 555 0101", "14155550101"},
		{"555-0101", "5550101"},
		{"555-01", ""},
		{"call me", ""},
		{"+0 123 456 789", ""},
		{"12345678901234567", ""},
		{"", ""},
		{"4155550101+", ""},
	}
	for _, tc := range tests {
		if got := casemgmt.NormalizePhone(tc.in); got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPhonesMatch(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"+1 415 555 0101", "(415) 555-0101", true},
		{"+1 415 555 0101", "415.555.0101", true},
		{"+1 415 555 0101", "001 415 555 0101", true},
		{"+1 415 555 0101", "1 415 555 0101", true},
		{"+44 20 7946 0102", "020 7946 0102", true},
		{"+86 138 0013 8000", "138 0013 8000", true},
		{"+1 415 555 0101", "+44 415 555 0101", false},
		{"+1 415 555 0101", "555 0101", false},
		{"415 555 0101", "415 555 0102", false},
		{"", "", false},
		{"x", "x", false},
	}
	for _, tc := range tests {
		if got := casemgmt.PhonesMatch(tc.a, tc.b); got != tc.want {
			t.Errorf("PhonesMatch(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := casemgmt.PhonesMatch(tc.b, tc.a); got != tc.want {
			t.Errorf("PhonesMatch(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.want)
		}
		if tc.want && casemgmt.PhoneKey(tc.a) != casemgmt.PhoneKey(tc.b) {
			t.Errorf("matching %q and %q have keys %q and %q", tc.a, tc.b, casemgmt.PhoneKey(tc.a), casemgmt.PhoneKey(tc.b))
		}
	}
}

func TestDirectory(t *testing.T) {
	st := memstore.New()
	if err := st.CreateContact(context.Background(), &casemgmt.Contact{ID: "C-1", Name: "Ana Lima", Email: "ana@example.org", Phone: "+1 415 555 0101"}); err != nil {
		t.Fatal(err)
	}
	var d predict.Directory = casemgmt.Directory(st)
	got, err := d.FindContacts(context.Background(), predict.ContactQuery{Phone: "(415) 555-0101"})
	want := predict.Contact{ID: "C-1", Name: "Ana Lima", Email: "ana@example.org", Phone: "+1 415 555 0101"}
	if err != nil || len(got) != 1 || got[0] != want {
		t.Errorf("Directory.FindContacts: %+v, %v", got, err)
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+1 415 555 0101", "(415) 555-0101", "00 44 20 7946 0102", "x", "+44 (0)20", "011 1 2"} {
		f.Add(s, "415.555.0101")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		n := casemgmt.NormalizePhone(a)
		if n != "" && casemgmt.NormalizePhone(n) != n {
			t.Fatalf("NormalizePhone not stable: %q -> %q -> %q", a, n, casemgmt.NormalizePhone(n))
		}
		if casemgmt.PhonesMatch(a, b) != casemgmt.PhonesMatch(b, a) {
			t.Fatalf("PhonesMatch(%q, %q) not symmetric", a, b)
		}
		if casemgmt.PhonesMatch(a, b) && casemgmt.PhoneKey(a) != casemgmt.PhoneKey(b) {
			t.Fatalf("matching %q and %q have different keys", a, b)
		}
	})
}
