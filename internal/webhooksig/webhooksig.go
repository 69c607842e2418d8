// Package webhooksig signs and checks the webhook requests of the chat
// and email handlers alike: an HMAC-SHA-256, under the shared key, of the
// request's Unix timestamp, a dot and its body, sent as "sha256=" and the
// hex digest beside the timestamp, and accepted within a window around
// the receiver's clock so that a captured request cannot be replayed
// later.
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Sign returns the timestamp and signature of body sent at t.
func Sign(key, body []byte, t time.Time) (timestamp, signature string) {
	timestamp = strconv.FormatInt(t.Unix(), 10)
	return timestamp, "sha256=" + hex.EncodeToString(mac(key, timestamp, body))
}

// Check is one request's signature to check: the header names (for the
// reasons it gives), their values, and the body.
type Check struct {
	TimestampHeader, SignatureHeader string
	Timestamp, Signature             string
	Body                             []byte
}

// Verify returns why the request's signature is refused under key at now
// with the given tolerance, or "" when it holds. The comparison takes
// constant time.
func Verify(key []byte, c Check, now time.Time, tolerance time.Duration) string {
	if c.Timestamp == "" || c.Signature == "" {
		return "missing " + c.TimestampHeader + " or " + c.SignatureHeader
	}
	secs, err := strconv.ParseInt(c.Timestamp, 10, 64)
	if err != nil {
		return "bad " + c.TimestampHeader
	}
	if d := now.Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return c.TimestampHeader + " is outside the accepted window"
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(c.Signature), "sha256=")
	if !ok {
		return "bad " + c.SignatureHeader
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || !hmac.Equal(got, mac(key, c.Timestamp, c.Body)) {
		return "signature does not match"
	}
	return ""
}

func mac(key []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
