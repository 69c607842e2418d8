package redact

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Mask is what a secret is replaced with.
const Mask = "[REDACTED]"

// minKnown is the shortest known secret String replaces: shorter values
// would mask ordinary words.
const minKnown = 6

var (
	// providerKey matches API keys and tokens by their published shapes.
	providerKey = regexp.MustCompile(`\b(?:sk-(?:ant-|proj-|svcacct-|or-)?[A-Za-z0-9_\-]{16,}|AIza[0-9A-Za-z_\-]{30,}|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_\-]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}|hf_[A-Za-z0-9]{30,}|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})`)
	// authValue matches the credentials of an Authorization value.
	authValue = regexp.MustCompile(`(?i)\b(bearer|basic|token|apikey)(\s+)[A-Za-z0-9._~+/=\-]{8,}`)
	// namedSecret matches a field or parameter named like a secret and
	// its value: api_key=..., "token": "...", password: ...
	namedSecret = regexp.MustCompile(`(?i)((?:api[_-]?key|x-api-key|access[_-]?token|refresh[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key|password|passwd|pwd|secret|token|signature)["']?\s*[:=]\s*["']?)([^\s"'&,;}{)\]]{6,})`)
	// urlPassword matches the password of a URL's user information.
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)([^\s@/]+)(@)`)
)

// String returns s with the secrets it can recognise replaced by Mask:
// each of known (values shorter than six bytes are ignored), as written,
// URL-encoded, or hex- or base64-encoded, and keys, tokens and passwords
// by their shapes (see the package documentation).
func String(s string, known ...string) string {
	if s == "" {
		return s
	}
	for _, k := range known {
		if len(k) < minKnown {
			continue
		}
		for _, v := range variants(k) {
			if strings.Contains(s, v) {
				s = strings.ReplaceAll(s, v, Mask)
			}
		}
	}
	s = urlPassword.ReplaceAllString(s, "${1}"+Mask+"${3}")
	s = providerKey.ReplaceAllString(s, Mask)
	s = authValue.ReplaceAllStringFunc(s, func(m string) string {
		sub := authValue.FindStringSubmatch(m)
		return sub[1] + sub[2] + Mask
	})
	s = namedSecret.ReplaceAllStringFunc(s, func(m string) string {
		sub := namedSecret.FindStringSubmatch(m)
		if sub[2] == Mask || strings.HasPrefix(sub[2], Mask) {
			return m
		}
		return sub[1] + Mask
	})
	return s
}

// variants are the forms a known secret may take in text.
func variants(k string) []string {
	out := []string{k}
	add := func(v string) {
		if v != "" && v != k && len(v) >= minKnown {
			out = append(out, v)
		}
	}
	add(url.QueryEscape(k))
	add(url.PathEscape(k))
	add(hex.EncodeToString([]byte(k)))
	add(strings.ToUpper(hex.EncodeToString([]byte(k))))
	add(strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(k)), "="))
	add(base64.RawURLEncoding.EncodeToString([]byte(k)))
	// Longest first, so that a form is not half replaced by a shorter one.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Error returns err with its message redacted by String; it unwraps to
// err, so that errors.Is and errors.As still see through it. It returns
// nil for nil.
func Error(err error, known ...string) error {
	if err == nil {
		return nil
	}
	var r *redacted
	if errors.As(err, &r) && r.err == err {
		return err
	}
	return &redacted{err: err, msg: String(err.Error(), known...)}
}

type redacted struct {
	err error
	msg string
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }
