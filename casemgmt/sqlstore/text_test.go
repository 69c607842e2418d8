package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/predict"
)

// TestUnstorableText: text that is not valid UTF-8 or holds a NUL byte is
// refused with ErrInvalid and changes nothing; looking it up finds
// nothing, without a database error.
func TestUnstorableText(t *testing.T) {
	for _, open := range []struct {
		name string
		open func(testing.TB, ...sqlstore.Option) (*sqlstore.Store, string)
	}{{"SQLite", openSQLite}, {"Postgres", openPostgres}} {
		t.Run(open.name, func(t *testing.T) {
			s, _ := open.open(t)
			ctx := context.Background()
			bads := []string{"caf\xe9", "a\x00b"}
			for _, bad := range bads {
				writes := []struct {
					name string
					err  error
				}{
					{"title", s.CreateCase(ctx, &casemgmt.Case{Title: bad}, casemgmt.Write{})},
					{"field", s.CreateCase(ctx, &casemgmt.Case{Fields: casemgmt.Values{"f": bad}}, casemgmt.Write{})},
					{"field name", s.CreateCase(ctx, &casemgmt.Case{Fields: casemgmt.Values{bad: "x"}}, casemgmt.Write{})},
					{"link", s.CreateCase(ctx, &casemgmt.Case{Links: []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: bad}}}, casemgmt.Write{})},
					{"audit", s.CreateCase(ctx, &casemgmt.Case{}, casemgmt.Write{Audit: []casemgmt.AuditEntry{{
						Field: "f", New: bad, Actor: casemgmt.Actor{Kind: casemgmt.ActorPerson}}}})},
					{"evidence", s.CreateCase(ctx, &casemgmt.Case{Provenance: map[string]casemgmt.Provenance{"f": {
						Evidence: []predict.Evidence{{Quote: bad}}}}}, casemgmt.Write{})},
					{"contact", s.CreateContact(ctx, &casemgmt.Contact{Name: bad})},
					{"interaction", s.AddInteraction(ctx, &casemgmt.Interaction{Outcome: casemgmt.OutcomeSkipped, Reason: bad})},
					{"state", s.PutState(ctx, bad, []byte("x"))},
				}
				for _, w := range writes {
					if !errors.Is(w.err, casemgmt.ErrInvalid) {
						t.Errorf("%s %q: %v, want ErrInvalid", w.name, bad, w.err)
					}
				}
				if _, err := s.UseKey(ctx, bad); !errors.Is(err, casemgmt.ErrInvalid) {
					t.Errorf("UseKey(%q): %v, want ErrInvalid", bad, err)
				}
				if _, err := s.GetCase(ctx, bad); !errors.Is(err, casemgmt.ErrNotFound) {
					t.Errorf("GetCase(%q): %v, want ErrNotFound", bad, err)
				}
				if _, err := s.FindCaseByConversation(ctx, bad); !errors.Is(err, casemgmt.ErrNotFound) {
					t.Errorf("FindCaseByConversation(%q): %v, want ErrNotFound", bad, err)
				}
				if cs, err := s.FindCasesByMessageID(ctx, []string{bad}); err != nil || len(cs) != 0 {
					t.Errorf("FindCasesByMessageID(%q) = %v, %v; want nothing", bad, cs, err)
				}
				if cs, err := s.FindContacts(ctx, predict.ContactQuery{Name: bad}); err != nil || len(cs) != 0 {
					t.Errorf("FindContacts(%q) = %v, %v; want nothing", bad, cs, err)
				}
				if _, err := s.GetState(ctx, bad); !errors.Is(err, casemgmt.ErrNotFound) {
					t.Errorf("GetState(%q): %v, want ErrNotFound", bad, err)
				}
			}
			if cs, err := s.FindDueCases(ctx, time.Now().Add(1000*time.Hour), casemgmt.Filter{}); err != nil || len(cs) != 0 {
				t.Errorf("cases stored: %v, %v", cs, err)
			}
			if got, err := s.GetCaseByNumber(ctx, casemgmt.FormatNumber(1)); !errors.Is(err, casemgmt.ErrNotFound) {
				t.Errorf("a refused case was stored: %v, %v", got, err)
			}
		})
	}
}

// FuzzCaseRoundTrip: whatever a case holds comes back as it was written,
// or is refused with ErrInvalid.
func FuzzCaseRoundTrip(f *testing.F) {
	f.Add("Router reboots", "issue", "My router reboots\nevery day.", int64(3), 19.99, true, "chat-1", "m1@x")
	f.Add("Grüße, 東京 ✓", "ünïcode", "'; DROP TABLE cases; --", int64(-1), math.SmallestNonzeroFloat64, false, " ", "")
	f.Add("", "", "\x00", int64(math.MaxInt64), math.Inf(1), false, "x\xffy", "<a@b>")
	f.Add("%_\\", "$1", "?1", int64(math.MinInt64), 1e300, true, "conv'\"", "a@b\n")
	s, _ := openSQLite(f)
	ctx := context.Background()
	n := 0
	f.Fuzz(func(t *testing.T, title, field, text string, i int64, fl float64, b bool, convID, msgID string) {
		n++
		c := &casemgmt.Case{
			ID:     fmt.Sprintf("case-%d", n),
			Title:  title,
			Fields: casemgmt.Values{field: text, field + "_n": i, field + "_f": fl, field + "_b": b},
			Provenance: map[string]casemgmt.Provenance{field: {
				Actor: casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: text}, Evidence: []predict.Evidence{{Quote: text}}}},
			Meta: map[string]string{field: text},
			Links: []casemgmt.Link{
				{Kind: casemgmt.LinkConversation, ID: fmt.Sprintf("%s-%d", convID, n)},
				{Kind: casemgmt.LinkEmail, ID: fmt.Sprintf("%d-%s", n, msgID)},
			},
		}
		err := s.CreateCase(ctx, c, casemgmt.Write{})
		if err != nil {
			if !errors.Is(err, casemgmt.ErrInvalid) {
				t.Fatalf("CreateCase: %v, want nil or ErrInvalid", err)
			}
			if _, err := s.GetCase(ctx, c.ID); !errors.Is(err, casemgmt.ErrNotFound) {
				t.Fatalf("a refused case was stored: %v", err)
			}
			return
		}
		got, err := s.GetCase(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("case changed in the store (-written +read):\n%s", diff)
		}
		for _, l := range c.Links {
			var found []*casemgmt.Case
			if l.Kind == casemgmt.LinkEmail {
				found, err = s.FindCasesByMessageID(ctx, []string{l.ID})
			} else {
				var one *casemgmt.Case
				one, err = s.FindCaseByConversation(ctx, l.ID)
				found = []*casemgmt.Case{one}
			}
			if err != nil || len(found) != 1 || found[0].ID != c.ID {
				t.Fatalf("finding by %s: %v, %v", l, found, err)
			}
		}
	})
}
