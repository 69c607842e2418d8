package imapsource

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzPosition: any stored value is read without panic, either as an
// error or as a position that survives writing and reading again.
func FuzzPosition(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"uidvalidity":1,"next":1}`,
		`{"uidvalidity":7,"next":10,"done":[12,15],"failures":{"10":3}}`,
		`{"uidvalidity":4294967295,"next":4294967295,"done":[0,1,4294967295]}`,
		`{"uidvalidity":-1,"next":1.5}`, `{"uidvalidity":1,"next":2,"failures":{"x":1}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePosition(b)
		if err != nil || !p.found {
			return
		}
		again, err := decodePosition(p.encode())
		if err != nil {
			t.Fatalf("re-reading %s: %v", p.encode(), err)
		}
		if again.UIDValidity != p.UIDValidity || again.Next != p.Next {
			t.Fatalf("position changed: %+v, then %+v", p, again)
		}
		for u := range again.doneSet {
			if !p.done(u) {
				t.Fatalf("UID %d done after re-reading only", u)
			}
		}
	})
}

func TestPositionEncodeDropsHandled(t *testing.T) {
	p := position{UIDValidity: 9, Next: 5, found: true}
	p.markDone(7)
	p.markDone(3) // below Next: already covered
	p.fail(6)
	p.fail(6)
	p.fail(2)
	p.Next = 6
	got, err := decodePosition(p.encode())
	if err != nil {
		t.Fatal(err)
	}
	want := position{UIDValidity: 9, Next: 6, Done: []uint32{7}, Failures: map[uint32]int{6: 2}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(position{}), cmp.FilterPath(func(p cmp.Path) bool {
		s := p.String()
		return s == "found" || s == "doneSet"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("position (-want +got):\n%s", diff)
	}
}

func TestBackoff(t *testing.T) {
	p := &Poller{cfg: Config{MinBackoff: time.Second, MaxBackoff: 30 * time.Second}}
	for n, full := range []time.Duration{1, 2, 4, 8, 16, 30, 30, 30} {
		full *= time.Second
		for range 50 {
			if d := p.backoff(n); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, full/2, full)
			}
		}
	}
	if d := p.backoff(1 << 20); d > 30*time.Second {
		t.Errorf("backoff after many failures = %v, want at most the maximum", d)
	}
}
