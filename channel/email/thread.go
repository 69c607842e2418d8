package email

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/caseagent/caseagent/channel"
)

// ThreadKeys returns the message ids a message may belong to the thread
// of, most specific first: In-Reply-To, then the References from the
// newest to the oldest, without duplicates. A store looks each up among
// the ids of mail it has seen or sent.
func ThreadKeys(m *channel.Message) []string {
	var keys []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.Trim(strings.TrimSpace(id), "<>")
		if id == "" || seen[id] || id == m.ID {
			return
		}
		seen[id] = true
		keys = append(keys, id)
	}
	add(m.InReplyTo)
	for i := len(m.References) - 1; i >= 0; i-- {
		add(m.References[i])
	}
	return keys
}

// subjectPrefix matches one reply or forward prefix in the languages mail
// programs write them: "Re:", "RE[2]:", "Re^2:", "AW:", "WG:", "Fwd:",
// "FW:", "TR:", "RV:", "SV:", "VS:", "Antw:", "R:", "Odp:" and more, or a
// bracketed list tag such as "[support]".
var subjectPrefix = regexp.MustCompile(`(?i)^\s*(?:(?:re|aw|wg|fwd?|tr|rv|sv|vs|vb|vl|antw|antwort|r|odp|pd|ynt|ilt|enc|res|ref|réf|rif|doorst|fs|atb|továbbítás|válasz|odg|πρθ|σχετ|обс|отв|пер|回复|回覆|答复|转发|轉寄|転送|返信)\s*(?:\[\d+\]|\^\d+|\(\d+\))?\s*[:：]|\[[^\]]{0,80}\])\s*`)

// forwardPrefix matches the prefixes that mean "forwarded".
var forwardPrefix = regexp.MustCompile(`(?i)^\s*(?:fwd?|wg|tr|rv|vb|vl|enc|pd|doorst|fs|továbbítás|пер|转发|轉寄|転送)\s*(?:\[\d+\]|\^\d+|\(\d+\))?\s*[:：]`)

// NormalizeSubject strips reply and forward prefixes and bracketed tags
// from the start of a subject, repeatedly, and collapses white space, so
// that "RE: AW: [Support] Printer jam" and "Printer jam" compare equal
// (compare with strings.EqualFold). A subject that is nothing but
// prefixes normalises to "".
func NormalizeSubject(s string) string {
	if !strings.ContainsAny(s, ":：[") {
		return strings.Join(strings.Fields(s), " ")
	}
	for range 32 {
		loc := subjectPrefix.FindStringIndex(s)
		if loc == nil || loc[1] == 0 {
			break
		}
		s = s[loc[1]:]
	}
	return strings.Join(strings.Fields(s), " ")
}

// IsForward reports whether a message is a forward, which starts a new
// case rather than continuing the thread it came from: its subject starts
// with a forward prefix ("Fwd:", "FW:", "WG:", "TR:", "RV:" ...), or it is
// not a reply and carries a forwarded-message block. The forwarded
// message itself is in Message.Quoted: for a forward it is usually what
// the new case is about.
func IsForward(m *channel.Message) bool {
	if m.Subject != "" {
		s := m.Subject
		// Skip list tags before the first prefix.
		for {
			t := strings.TrimSpace(s)
			if !strings.HasPrefix(t, "[") {
				break
			}
			i := strings.IndexByte(t, ']')
			if i < 0 {
				break
			}
			s = t[i+1:]
		}
		if forwardPrefix.MatchString(s) {
			return true
		}
		if subjectPrefix.MatchString(s) {
			return false // a reply, possibly to a forward
		}
	}
	if m.InReplyTo != "" {
		return false
	}
	return IsForwardedBlock(m.Quoted) || IsForwardedBlock(m.Text)
}

var defaultCaseNumber = regexp.MustCompile(`\[\s*(?:[Cc]ase\s*#?\s*)?([A-Za-z]{2,10}-\d{1,12})\s*\]`)

// CaseNumbers returns the case numbers written in brackets in a subject,
// such as "[CAS-000123]" or "[Case #CAS-000123]", in order.
//
// Anyone can type a case number into a subject, so a caller must thread
// by it only when the sender is a known participant of that case (its
// contact, or someone already on its thread); otherwise a stranger could
// attach mail to, or read replies of, someone else's case. Threading by
// In-Reply-To, References and the signed ids of MessageIDs has no such
// weakness.
func CaseNumbers(subject string) []string {
	return CaseNumbersMatching(subject, defaultCaseNumber)
}

// CaseNumbersMatching is CaseNumbers with the tenant's own pattern: the
// first capturing group (or the whole match when there is none) is the
// case number. The same caution applies.
func CaseNumbersMatching(subject string, re *regexp.Regexp) []string {
	if re == nil || re == defaultCaseNumber {
		if strings.IndexByte(subject, '[') < 0 {
			return nil
		}
		re = defaultCaseNumber
	}
	var out []string
	for _, m := range re.FindAllStringSubmatch(subject, 10) {
		n := m[0]
		if len(m) > 1 {
			n = m[1]
		}
		n = strings.TrimSpace(n)
		if n != "" && !contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// MinKeySize is the smallest MessageIDs key accepted, in bytes.
const MinKeySize = 16

// ErrInvalidConfig is returned by MessageIDs.Validate.
var ErrInvalidConfig = errors.New("email: invalid configuration")

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// macSize is the length of the truncated HMAC-SHA-256 tag, in bytes (120
// bits, 24 base32 characters).
const macSize = 15

// MessageIDs makes and checks the Message-IDs of the mail the
// organisation sends, so that a reply can be threaded to its case by its
// In-Reply-To or References even when nothing else is known. An id
// carries the case id, a random part and an HMAC-SHA-256 tag over both,
// such as
//
//	<ca.CAS-000123.5ZC2JJXQ7TRXF3YDZKPQXVPN2A.LRXYBK6VHQ6P4FAZAVKYC6RT@mail.example.com>
//
// An id that was guessed or edited (another case id, another domain) does
// not verify. Case ids outside letters, digits, "-" and "_" are base32
// encoded (prefix "cb.").
//
// A MessageIDs is safe for concurrent use; do not change its fields while
// it is in use.
type MessageIDs struct {
	// Key is the secret HMAC key, at least MinKeySize bytes. Changing it
	// makes the ids sent before unverifiable.
	Key []byte
	// Domain is the right-hand side of the ids, such as the domain of the
	// support mailbox.
	Domain string
}

// Validate reports whether the key and domain can be used.
func (g MessageIDs) Validate() error {
	if len(g.Key) < MinKeySize {
		return fmt.Errorf("%w: MessageIDs.Key must be at least %d bytes", ErrInvalidConfig, MinKeySize)
	}
	if !validDomain(g.Domain) {
		return fmt.Errorf("%w: MessageIDs.Domain %q is not a domain name", ErrInvalidConfig, g.Domain)
	}
	return nil
}

var domainRe = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$`)

func validDomain(d string) bool { return len(d) <= 253 && domainRe.MatchString(d) }

var plainCaseID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// New returns a new Message-ID, with angle brackets, for mail about the
// given case. With an invalid configuration (see Validate) or an empty
// case id it returns a random id without a case token, which never
// verifies.
func (g MessageIDs) New(caseID string) string {
	random := rand.Text()[:20]
	domain := g.Domain
	if !validDomain(domain) {
		domain = "localhost"
	}
	if caseID == "" || len(g.Key) < MinKeySize || len(caseID) > 200 {
		return "<" + strings.ToLower(random) + "@" + domain + ">"
	}
	tag, enc := "ca", caseID
	if !plainCaseID.MatchString(caseID) {
		tag, enc = "cb", b32.EncodeToString([]byte(caseID))
	}
	local := tag + "." + enc + "." + random
	return "<" + local + "." + g.mac(local, domain) + "@" + domain + ">"
}

func (g MessageIDs) mac(local, domain string) string {
	h := hmac.New(sha256.New, g.Key)
	h.Write([]byte(local))
	h.Write([]byte{'@'})
	h.Write([]byte(strings.ToLower(domain)))
	return b32.EncodeToString(h.Sum(nil)[:macSize])
}

// Verify returns the case id carried by a Message-ID that New made with
// the same key and domain; ok is false for any other id. Angle brackets
// are optional. The tag is compared in constant time.
func (g MessageIDs) Verify(id string) (caseID string, ok bool) {
	if len(g.Key) < MinKeySize || len(id) > 600 {
		return "", false
	}
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	at := strings.LastIndexByte(id, '@')
	if at < 0 {
		return "", false
	}
	local, domain := id[:at], id[at+1:]
	if !strings.EqualFold(domain, g.Domain) {
		return "", false
	}
	parts := strings.Split(local, ".")
	if len(parts) != 4 || (parts[0] != "ca" && parts[0] != "cb") {
		return "", false
	}
	want := g.mac(strings.Join(parts[:3], "."), domain)
	if !hmac.Equal([]byte(parts[3]), []byte(want)) {
		return "", false
	}
	caseID = parts[1]
	if parts[0] == "cb" {
		b, err := b32.DecodeString(caseID)
		if err != nil {
			return "", false
		}
		caseID = string(b)
	}
	if caseID == "" {
		return "", false
	}
	return caseID, true
}

// CaseOf returns the case of the first thread key of m (see ThreadKeys)
// that is one of our own verified Message-IDs.
func (g MessageIDs) CaseOf(m *channel.Message) (caseID string, ok bool) {
	for _, k := range ThreadKeys(m) {
		if c, ok := g.Verify(k); ok {
			return c, true
		}
	}
	return "", false
}
