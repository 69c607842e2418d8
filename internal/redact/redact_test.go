package redact_test

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/internal/redact"
)

func TestString(t *testing.T) {
	const hmacKey = "d41d8cd98f00b204e9800998ecf8427e-hmac"
	tests := []struct {
		name   string
		in     string
		known  []string
		secret string // must not remain
		keep   string // must remain
	}{
		{"openai key", `401: {"error":{"message":"Incorrect API key provided: sk-proj-abcDEF1234567890ghijKLMN. You can find your API key at https://platform.example/account"}}`, nil, "sk-proj-abcDEF1234567890ghijKLMN", "Incorrect API key provided"},
		{"anthropic key", "invalid x-api-key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv-wxyz", nil, "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv-wxyz", "invalid"},
		{"google key", "key AIzaSyA1234567890abcdefghijklmnopqrstuv is not valid", nil, "AIzaSyA1234567890abcdefghijklmnopqrstuv", "is not valid"},
		{"aws key id", "The security token AKIAIOSFODNN7EXAMPLE is invalid", nil, "AKIAIOSFODNN7EXAMPLE", "is invalid"},
		{"bearer token", "request had Authorization: Bearer abc.def-ghi_jkl~123", nil, "abc.def-ghi_jkl~123", "Authorization: Bearer"},
		{"basic credentials", "sent Authorization: Basic dXNlcjpwYXNzd29yZA==", nil, "dXNlcjpwYXNzd29yZA==", "Basic"},
		{"url password", "dial postgres://app:s3cr3t-pw@db.example:5432/cases failed", nil, "s3cr3t-pw", "postgres://app:"},
		{"url password in imaps", "imaps://ann%40example.org:hunter22@imap.example.org", nil, "hunter22", "imap.example.org"},
		{"query parameter", "GET https://api.example/v1?api_key=0123456789abcdef&model=x: 403", nil, "0123456789abcdef", "model=x"},
		{"json field", `{"password": "correct horse battery", "user": "ann"}`, nil, "correct horse", `"user": "ann"`},
		{"known hmac key", "signature check with " + hmacKey + " failed", []string{hmacKey}, hmacKey, "failed"},
		{"known key in hex", "key=" + hex.EncodeToString([]byte("plain-secret-value")) + " rejected", []string{"plain-secret-value"}, hex.EncodeToString([]byte("plain-secret-value")), "rejected"},
		{"known key in base64", "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("my-smtp-password")), []string{"my-smtp-password"}, strings.TrimRight(base64.StdEncoding.EncodeToString([]byte("my-smtp-password")), "="), "AUTH PLAIN"},
		{"known key url-encoded", "https://x.example/?t=" + url.QueryEscape("a&b=c/d+e f"), []string{"a&b=c/d+e f"}, url.QueryEscape("a&b=c/d+e f"), "x.example"},
		{"short known values are ignored", "the cat sat", []string{"cat"}, "", "the cat sat"},
		{"no secrets", "llm: model call failed (status 503, retryable): service unavailable", nil, "", "llm: model call failed (status 503, retryable): service unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redact.String(tt.in, tt.known...)
			if tt.secret != "" && strings.Contains(got, tt.secret) {
				t.Errorf("secret left in %q", got)
			}
			if tt.secret != "" && !strings.Contains(got, redact.Mask) {
				t.Errorf("no mask in %q", got)
			}
			if !strings.Contains(got, tt.keep) {
				t.Errorf("%q lost %q", got, tt.keep)
			}
		})
	}
}

func TestError(t *testing.T) {
	base := &wrapped{msg: "auth failed for sk-abcdefghijklmnop1234", err: io.ErrUnexpectedEOF}
	err := redact.Error(base)
	if strings.Contains(err.Error(), "sk-abcdefghijklmnop1234") {
		t.Errorf("Error() = %q", err.Error())
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Error("errors.Is does not see through")
	}
	var w *wrapped
	if !errors.As(err, &w) || w != base {
		t.Error("errors.As does not see through")
	}
	if redact.Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

func ExampleString() {
	fmt.Println(redact.String(`401 Unauthorized: invalid key sk-live1234567890abcdefgh for smtp://help:pa55word@mail.example`))
	fmt.Println(redact.String("HMAC key k3y-of-the-tenant rejected", "k3y-of-the-tenant"))
	// Output:
	// 401 Unauthorized: invalid key [REDACTED] for smtp://help:[REDACTED]@mail.example
	// HMAC key [REDACTED] rejected
}
