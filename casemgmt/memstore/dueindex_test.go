package memstore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestDueIndex checks the chunked index against a sorted slice through
// random inserts and deletes.
func TestDueIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var x dueIndex
	var want []dueEntry
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for step := range 20000 {
		if len(want) > 0 && r.IntN(3) == 0 {
			e := want[r.IntN(len(want))]
			x.delete(e)
			i, _ := slices.BinarySearchFunc(want, e, compareDue)
			want = slices.Delete(want, i, i+1)
		} else {
			e := dueEntry{t0.Add(time.Duration(r.IntN(500)) * time.Minute), fmt.Sprint(step)}
			x.insert(e)
			i, _ := slices.BinarySearchFunc(want, e, compareDue)
			want = slices.Insert(want, i, e)
		}
		if step%997 == 0 || step == 19999 {
			var got []dueEntry
			x.ascend(func(e dueEntry) bool { got = append(got, e); return true })
			if !slices.EqualFunc(got, want, func(a, b dueEntry) bool { return compareDue(a, b) == 0 }) || x.n != len(want) {
				t.Fatalf("step %d: index has %d entries (n=%d), want %d, or order differs", step, len(got), x.n, len(want))
			}
			// From a random position, present or not, both ways.
			pos := dueEntry{t0.Add(time.Duration(r.IntN(500)) * time.Minute), fmt.Sprint(r.IntN(step + 1))}
			if len(want) > 0 && r.IntN(2) == 0 {
				pos = want[r.IntN(len(want))]
			}
			var after, before []dueEntry
			x.ascendAfter(&pos, func(e dueEntry) bool { after = append(after, e); return true })
			x.descendBefore(&pos, func(e dueEntry) bool { before = append(before, e); return true })
			i, found := slices.BinarySearchFunc(want, pos, compareDue)
			wantBefore := slices.Clone(want[:i])
			slices.Reverse(wantBefore)
			if found {
				i++
			}
			same := func(a, b dueEntry) bool { return compareDue(a, b) == 0 }
			if !slices.EqualFunc(after, want[i:], same) || !slices.EqualFunc(before, wantBefore, same) {
				t.Fatalf("step %d: %d entries after %v and %d before, want %d and %d", step, len(after), pos, len(before), len(want[i:]), len(wantBefore))
			}
			var all []dueEntry
			x.descendBefore(nil, func(e dueEntry) bool { all = append(all, e); return true })
			if len(all) != len(want) {
				t.Fatalf("step %d: descending from the end gave %d entries, want %d", step, len(all), len(want))
			}
			for _, c := range x.chunks {
				if len(c) == 0 || len(c) > chunkSize {
					t.Fatalf("step %d: chunk of %d entries", step, len(c))
				}
			}
		}
	}
	// Deleting what is not there changes nothing.
	n := x.n
	x.delete(dueEntry{t0.Add(-time.Hour), "none"})
	if x.n != n {
		t.Fatal("deleting a missing entry changed the index")
	}
}
