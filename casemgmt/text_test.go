package casemgmt_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
)

func TestValidateText(t *testing.T) {
	type named string
	type inner struct {
		Text   named
		hidden string
	}
	type outer struct {
		In    *inner
		Any   any
		Bytes []byte
		Arr   [2]string
	}
	tests := []struct {
		name string
		v    any
		want string // the error's text; "" for none
	}{
		{"nil", nil, ""},
		{"empty", "", ""},
		{"unicode", "Grüße, 東京 ✓ \t\n", ""},
		{"replacement character", "caf\uFFFD", ""},
		{"invalid", "caf\xe9", `casemgmt: invalid input: x: text "caf\xe9" is not valid UTF-8`},
		{"NUL", "a\x00b", `casemgmt: invalid input: x: text "a\x00b" contains a NUL byte`},
		{"long", strings.Repeat("a", 50) + "\x00", `casemgmt: invalid input: x: text "` + strings.Repeat("a", 40) + `..." contains a NUL byte`},
		{"strings", []string{"a", "b\xff"}, `casemgmt: invalid input: x[1]: text "b\xff" is not valid UTF-8`},
		{"named string in a pointer", outer{In: &inner{Text: "\x00"}}, `casemgmt: invalid input: x.In.Text: text "\x00" contains a NUL byte`},
		{"unexported field", outer{In: &inner{hidden: "\x00"}}, ""},
		{"interface", outer{Any: "\xff"}, `casemgmt: invalid input: x.Any: text "\xff" is not valid UTF-8`},
		{"bytes are not text", outer{Bytes: []byte{0, 0xff}}, ""},
		{"array", outer{Arr: [2]string{"", "\xff"}}, `casemgmt: invalid input: x.Arr[1]: text "\xff" is not valid UTF-8`},
		{"map value", map[string]any{"k": "\xff"}, `casemgmt: invalid input: x["k"]: text "\xff" is not valid UTF-8`},
		{"map key", map[string]int{"\xff": 1}, `casemgmt: invalid input: x key: text "\xff" is not valid UTF-8`},
		{"numbers", map[int]float64{1: 2}, ""},
	}
	for _, tc := range tests {
		err := casemgmt.ValidateText("x", tc.v)
		got := ""
		if err != nil {
			got = err.Error()
			if !errors.Is(err, casemgmt.ErrInvalid) {
				t.Errorf("%s: %v does not wrap ErrInvalid", tc.name, err)
			}
		}
		if got != tc.want {
			t.Errorf("%s: ValidateText = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestDomainChecksApplyValidateText: the checks every store calls refuse
// unstorable text anywhere in what they check, with ErrInvalid, after
// their other checks.
func TestDomainChecksApplyValidateText(t *testing.T) {
	person := casemgmt.Actor{Kind: casemgmt.ActorPerson}
	for _, bad := range []string{"caf\xe9", "a\x00b"} {
		tests := []struct {
			name string
			err  error
		}{
			{"case title", (&casemgmt.Case{Title: bad}).Validate()},
			{"case field", (&casemgmt.Case{Fields: casemgmt.Values{"f": bad}}).Validate()},
			{"case meta key", (&casemgmt.Case{Meta: map[string]string{bad: "x"}}).Validate()},
			{"case evidence", (&casemgmt.Case{Provenance: map[string]casemgmt.Provenance{"f": {
				Evidence: []predict.Evidence{{Quote: bad}}}}}).Validate()},
			{"case link", (&casemgmt.Case{Links: []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: bad}}}).Validate()},
			{"link", casemgmt.Link{Kind: casemgmt.LinkContact, ID: bad}.Validate()},
			{"audit field", (&casemgmt.AuditEntry{Field: bad, Actor: person}).Validate()},
			{"audit value", (&casemgmt.AuditEntry{Field: "f", Actor: person, Old: bad}).Validate()},
			{"audit message id", (&casemgmt.AuditEntry{Field: "f", Actor: person, MessageIDs: []string{bad}}).Validate()},
			{"interaction trigger", (&casemgmt.Interaction{Outcome: casemgmt.OutcomeSkipped, Trigger: bad}).Validate()},
			{"interaction field value", (&casemgmt.Interaction{Outcome: casemgmt.OutcomeSkipped,
				Fields: []casemgmt.FieldOutcome{{Field: "f", Value: bad}}}).Validate()},
		}
		for _, tc := range tests {
			if !errors.Is(tc.err, casemgmt.ErrInvalid) {
				t.Errorf("%s %q: got %v, want ErrInvalid", tc.name, bad, tc.err)
			}
		}
	}
	// Other faults are reported first, as before.
	got := []string{
		(&casemgmt.Case{Status: "open", Title: "\xff"}).Validate().Error(),
		casemgmt.Link{Kind: "fax", ID: "\xff"}.Validate().Error(),
		(&casemgmt.AuditEntry{Field: "\xff", Actor: casemgmt.Actor{Kind: "robot"}}).Validate().Error(),
		(&casemgmt.Interaction{Outcome: "maybe", Reason: "\xff"}).Validate().Error(),
	}
	want := []string{
		`casemgmt: invalid input: unknown status "open"`,
		`casemgmt: invalid input: unknown link kind "fax"`,
		"casemgmt: invalid input: audit entry for \xff: unknown actor kind \"robot\"",
		`casemgmt: invalid input: unknown interaction outcome "maybe"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	// And valid text passes.
	ok := &casemgmt.Case{Title: "Grüße", Fields: casemgmt.Values{"f": "東京"}, Links: []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: "a@x"}}}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid case: %v", err)
	}
}

func ExampleValidateText() {
	c := &casemgmt.Case{Title: "Router", Fields: casemgmt.Values{"serial_number": "SN-\x00"}}
	fmt.Println(casemgmt.ValidateText("case", c))
	fmt.Println(casemgmt.ValidateText("state key", "imap:support:INBOX"))
	// Output:
	// casemgmt: invalid input: case.Fields["serial_number"]: text "SN-\x00" contains a NUL byte
	// <nil>
}

func BenchmarkCaseCheck(b *testing.B) {
	c := &casemgmt.Case{
		Title: "Router reboots", Status: casemgmt.StatusActive, ContactID: "C-1", Origin: "Chat",
		Fields: casemgmt.Values{"issue_description": "It reboots every few minutes.", "devices": int64(3), "serial_number": "SN-1"},
		Provenance: map[string]casemgmt.Provenance{"issue_description": {Actor: casemgmt.Actor{Kind: casemgmt.ActorAgent},
			MessageIDs: []string{"m1"}, Evidence: []predict.Evidence{{MessageID: "m1", Quote: "reboots"}}}},
		Links: []casemgmt.Link{{Kind: casemgmt.LinkConversation, ID: "chat-1"}},
		Meta:  map[string]string{"follow_up_step": "1"},
	}
	for b.Loop() {
		if err := c.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestValidateTextEverywhere: ValidateText refuses bad text in every place
// the types stores write can hold it, including those its fast path
// checks without reflection. A field added to one of these types is
// covered here without changing the test.
func TestValidateTextEverywhere(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[*casemgmt.Case](), reflect.TypeFor[*casemgmt.AuditEntry](), reflect.TypeFor[*casemgmt.Interaction](),
		reflect.TypeFor[*casemgmt.Contact](), reflect.TypeFor[casemgmt.Link](), reflect.TypeFor[[]string](),
		reflect.TypeFor[string](),
	} {
		for _, bad := range []string{"caf\xe9", "a\x00b"} {
			planted := plant(typ, bad, 0)
			if len(planted) == 0 {
				t.Fatalf("%v holds no text", typ)
			}
			for _, p := range planted {
				if err := casemgmt.ValidateText("x", p.v.Interface()); !errors.Is(err, casemgmt.ErrInvalid) {
					t.Errorf("%v with %q at %s: ValidateText = %v, want ErrInvalid", typ, bad, p.path, err)
				} else if !strings.Contains(err.Error(), "x"+p.path+": text ") {
					t.Errorf("%v with %q at %s: error %q does not say where", typ, bad, p.path, err)
				}
			}
		}
	}
}

type planted struct {
	path string // as ValidateText names it
	v    reflect.Value
}

// plant returns, for every place a value of type t can hold text, a value
// of type t that holds bad there and nothing else.
func plant(t reflect.Type, bad string, depth int) []planted {
	if depth > 8 {
		return nil
	}
	var out []planted
	switch t.Kind() {
	case reflect.String:
		out = append(out, planted{"", reflect.ValueOf(bad).Convert(t)})
	case reflect.Interface:
		v := reflect.New(t).Elem()
		v.Set(reflect.ValueOf(bad))
		out = append(out, planted{"", v})
	case reflect.Pointer:
		for _, p := range plant(t.Elem(), bad, depth+1) {
			v := reflect.New(t.Elem())
			v.Elem().Set(p.v)
			out = append(out, planted{p.path, v})
		}
	case reflect.Slice:
		for _, p := range plant(t.Elem(), bad, depth+1) {
			v := reflect.MakeSlice(t, 2, 2)
			v.Index(1).Set(p.v)
			out = append(out, planted{"[1]" + p.path, v})
		}
	case reflect.Map:
		for _, p := range plant(t.Key(), bad, depth+1) {
			v := reflect.MakeMap(t)
			v.SetMapIndex(p.v, reflect.Zero(t.Elem()))
			out = append(out, planted{" key", v})
		}
		for _, p := range plant(t.Elem(), bad, depth+1) {
			v := reflect.MakeMap(t)
			v.SetMapIndex(reflect.ValueOf("k").Convert(t.Key()), p.v)
			out = append(out, planted{`["k"]` + p.path, v})
		}
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			for _, p := range plant(f.Type, bad, depth+1) {
				v := reflect.New(t).Elem()
				v.Field(i).Set(p.v)
				out = append(out, planted{"." + f.Name + p.path, v})
			}
		}
	}
	return out
}

// FuzzValidateText: the fast path (a *Case) and the reflection walk (the
// same case as a value) agree, and both agree with the rule itself.
func FuzzValidateText(f *testing.F) {
	f.Add("Router", "issue", "reboots", "m1@x")
	f.Add("caf\xe9", "k", "v", "id")
	f.Add("", "a\x00b", "", "")
	f.Add("東京", "ünï", "\xff\xfe", "<a@b>")
	f.Fuzz(func(t *testing.T, title, key, text, id string) {
		c := &casemgmt.Case{
			Title:      title,
			Fields:     casemgmt.Values{key: text},
			Provenance: map[string]casemgmt.Provenance{key: {Evidence: []predict.Evidence{{MessageID: id, Quote: text}}}},
			Links:      []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: id}},
			Meta:       map[string]string{key: title},
		}
		fast, walked := casemgmt.ValidateText("c", c), casemgmt.ValidateText("c", *c)
		if (fast == nil) != (walked == nil) {
			t.Fatalf("fast path %v, walk %v", fast, walked)
		}
		valid := func(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }
		if want := valid(title) && valid(key) && valid(text) && valid(id); (fast == nil) != want {
			t.Fatalf("ValidateText = %v, want valid %v", fast, want)
		}
		if fast != nil && !errors.Is(fast, casemgmt.ErrInvalid) {
			t.Fatalf("%v does not wrap ErrInvalid", fast)
		}
	})
}
