package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
)

// FuzzCaseRoundTrip: whatever a case holds comes back as it was written,
// or is refused with ErrInvalid. (That text casemgmt.ValidateText refuses is
// refused everywhere, in both dialects, is storetest's UnstorableText.)
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
