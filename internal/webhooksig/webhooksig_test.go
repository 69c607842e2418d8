package webhooksig

import (
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	key, body := []byte("a shared key of some length"), []byte(`{"id":"e1"}`)
	now := time.Unix(1_800_000_000, 0)
	ts, sig := Sign(key, body, now)
	check := func(c Check) Check {
		c.TimestampHeader, c.SignatureHeader = "X-Ts", "X-Sig"
		return c
	}
	for name, tc := range map[string]struct {
		c    Check
		at   time.Time
		want string
	}{
		"good":           {Check{Timestamp: ts, Signature: sig, Body: body}, now.Add(time.Minute), ""},
		"other body":     {Check{Timestamp: ts, Signature: sig, Body: []byte(`{"id":"e2"}`)}, now, "signature does not match"},
		"late":           {Check{Timestamp: ts, Signature: sig, Body: body}, now.Add(6 * time.Minute), "X-Ts is outside the accepted window"},
		"missing":        {Check{Body: body}, now, "missing X-Ts or X-Sig"},
		"bad timestamp":  {Check{Timestamp: "soon", Signature: sig, Body: body}, now, "bad X-Ts"},
		"no prefix":      {Check{Timestamp: ts, Signature: sig[7:], Body: body}, now, "bad X-Sig"},
		"other key used": {Check{Timestamp: ts, Signature: func() string { _, s := Sign([]byte("another key"), body, now); return s }(), Body: body}, now, "signature does not match"},
	} {
		if got := Verify(key, check(tc.c), tc.at, 5*time.Minute); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
}
