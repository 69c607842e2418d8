package casemgmt_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
)

func TestValuesJSONKeepsTypes(t *testing.T) {
	in := casemgmt.Values{
		"s": "text", "empty": "", "b": true, "f": false,
		"i": int64(42), "neg": int64(-7), "big": int64(math.MaxInt64),
		"whole": 12.0, "frac": 19.99, "tiny": 1e-9, "huge": 1e21, "zero": 0.0,
		"none": nil,
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out casemgmt.Values
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s\n%s", diff, b)
	}
	for k, v := range in {
		if got := out[k]; v != nil && got == nil || (v != nil && typeName(got) != typeName(v)) {
			t.Errorf("%s: %T came back as %T", k, v, got)
		}
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), 3, []string{"a"}, map[string]any{}} {
		if _, err := json.Marshal(casemgmt.Values{"x": bad}); err == nil {
			t.Errorf("Marshal of %#v succeeded", bad)
		}
	}
	for _, bad := range []string{`{"x":[1]}`, `{"x":{"a":1}}`, `{"x":1e999}`, `{"x":99999999999999999999}`} {
		var v casemgmt.Values
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("Unmarshal(%s) succeeded: %v", bad, v)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case int64:
		return "int64"
	case float64:
		return "float64"
	}
	return "other"
}

func TestCaseJSONRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := &casemgmt.Case{
		ID: "case-1", Number: "CAS-000001", Title: "t", Status: casemgmt.StatusActive,
		Fields:     casemgmt.Values{"n": int64(3), "x": 3.0},
		Provenance: map[string]casemgmt.Provenance{"n": {Actor: agent, Time: t0, Evidence: []predict.Evidence{{Quote: "three"}}}},
		Links:      []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: "m1"}},
		CreatedAt:  t0, UpdatedAt: t0, Version: 1,
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var got casemgmt.Case
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, &got); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
	e := casemgmt.AuditEntry{Seq: 1, Field: "n", Old: int64(2), New: 2.5, Actor: agent, Time: t0}
	b, _ = json.Marshal(e)
	var ge casemgmt.AuditEntry
	if err := json.Unmarshal(b, &ge); err != nil || ge.Old != int64(2) || ge.New != 2.5 {
		t.Errorf("audit round trip: %+v, %v (%s)", ge, err, b)
	}
	in := casemgmt.Interaction{ID: "ia", Outcome: casemgmt.OutcomeCreated, Fields: []casemgmt.FieldOutcome{{Field: "n", Value: int64(1)}, {Field: "x", Value: 1.0}}}
	b, _ = json.Marshal(in)
	var gi casemgmt.Interaction
	if err := json.Unmarshal(b, &gi); err != nil || gi.Fields[0].Value != int64(1) || gi.Fields[1].Value != 1.0 {
		t.Errorf("interaction round trip: %+v, %v (%s)", gi, err, b)
	}
}

func TestCaseCheck(t *testing.T) {
	tests := []struct {
		c  *casemgmt.Case
		ok bool
	}{
		{&casemgmt.Case{}, true},
		{&casemgmt.Case{Status: "open"}, false},
		{&casemgmt.Case{Fields: casemgmt.Values{"a": int32(1)}}, false},
		{&casemgmt.Case{Fields: casemgmt.Values{"": "x"}}, false},
		{&casemgmt.Case{Links: []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: " m1"}}}, false},
		{&casemgmt.Case{Links: []casemgmt.Link{{Kind: casemgmt.LinkContact, ID: "C-1"}}}, true},
		{nil, false},
	}
	for _, tc := range tests {
		err := tc.c.Validate()
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, casemgmt.ErrInvalid)) {
			t.Errorf("Check(%+v) = %v, want ok=%v", tc.c, err, tc.ok)
		}
	}
}

func FuzzDecodeValue(f *testing.F) {
	for _, s := range []string{`"x"`, `true`, `12`, `12.0`, `1e21`, `null`, `[1]`, `-0`, `1.5e-3`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := casemgmt.DecodeValue(json.RawMessage(s))
		if err != nil {
			return
		}
		b, err := casemgmt.EncodeValue(v)
		if err != nil {
			t.Fatalf("EncodeValue(%#v) of decoded %q: %v", v, s, err)
		}
		w, err := casemgmt.DecodeValue(b)
		if err != nil || typeName(v) != typeName(w) || (v != w && !(typeName(v) == "float64" && v.(float64) == w.(float64))) {
			t.Fatalf("%q -> %#v -> %s -> %#v, %v", s, v, b, w, err)
		}
	})
}
