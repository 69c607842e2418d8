package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// The host built from the documentation: both mistakes of its
// configuration at load, receipts that say created and duplicate, and its
// own table in sync with the SDK's cases from the feed.
func TestHost(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, filepath.Join(t.TempDir(), "helpdesk.db")); err != nil {
		t.Fatal(err)
	}
	want := `the configuration is refused at load:
  intake_rules[0].acknowledge.body: unknown placeholder {{contact_nme}}
  update_rules[0].when.field: unknown variable: "categroy" is not declared (did you mean "category"?)
webhook answer for m0@example.org: created CAS-000001
webhook answer for m0@example.org: duplicate CAS-000001
webhook answer for m1@example.org: created CAS-000002
webhook answer for m1@example.org: duplicate CAS-000002
the helpdesk's own cases table, from 8 feed entries:
  CAS-000001  Charged twice  active
  CAS-000002  Camera dead    active
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
