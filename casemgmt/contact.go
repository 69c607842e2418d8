package casemgmt

import (
	"context"
	"strings"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/textfold"
	"github.com/caseagent/caseagent/predict"
)

// NormalizePhone returns a phone number in the form used for matching, or
// "" when s is not a phone number (fewer than 7 or more than 15 digits,
// or letters).
//
// A number written with its country code ("+1 415 555 0101", "001 415 555
// 0101", "011 44 20 7946 0102", "+44 (0)20 7946 0102") becomes "+" and
// its digits ("+14155550101"). A number without one ("(415) 555-0101",
// "415.555.0101", "020 7946 0102") becomes its digits without a national
// trunk prefix 0 ("4155550101", "2079460102"). Spaces, dots, dashes,
// slashes and parentheses are ignored, and so is an extension introduced
// by "x" or "ext".
func NormalizePhone(s string) string {
	s = strings.TrimSpace(strings.ToLower(s))
	if i := strings.Index(s, "ext"); i >= 0 {
		s = s[:i]
	} else if i := strings.IndexByte(s, 'x'); i >= 0 {
		s = s[:i]
	}
	// "+44 (0)20 ...": the trunk prefix in parentheses is not dialled
	// after a country code.
	s = strings.Replace(strings.TrimSpace(s), "(0)", "", 1)
	intl := false
	var d strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == '+' && i == 0:
			intl = true
		case r == ' ' || r == '.' || r == '-' || r == '/' || r == '(' || r == ')' || r == '\t':
		default:
			return ""
		}
	}
	digits := d.String()
	if !intl {
		switch {
		case strings.HasPrefix(digits, "00"):
			digits, intl = digits[2:], true
		case strings.HasPrefix(digits, "011") && len(digits) > 11:
			digits, intl = digits[3:], true
		default:
			digits = strings.TrimLeft(digits, "0")
		}
	}
	if len(digits) < 7 || len(digits) > 15 {
		return ""
	}
	if intl {
		if digits[0] == '0' {
			return ""
		}
		return "+" + digits
	}
	return digits
}

// PhoneKey returns the last 7 digits of a normalized phone number, or ""
// when s is not a phone number. Two numbers that PhonesMatch have the same
// key, so stores index contacts by it and check candidates with
// PhonesMatch.
func PhoneKey(s string) string {
	n := NormalizePhone(s)
	if n == "" {
		return ""
	}
	return n[len(n)-7:]
}

// PhonesMatch reports whether two phone numbers, in any common notation,
// are the same number: equal when both have a country code or neither has,
// and otherwise when the international one ends with the national one's
// digits, preceded by at most three digits (its country code; none when
// the national one was written with its country code but without "+", as
// in "1 415 555 0101").
func PhonesMatch(a, b string) bool {
	na, nb := NormalizePhone(a), NormalizePhone(b)
	if na == "" || nb == "" {
		return false
	}
	ia, ib := na[0] == '+', nb[0] == '+'
	if ia == ib {
		return na == nb
	}
	if ia {
		na, nb = nb, na
	}
	// na is national, nb international ("+" country code, national digits).
	rest := nb[1:]
	cc := len(rest) - len(na)
	return cc >= 0 && cc <= 3 && strings.HasSuffix(rest, na)
}

// NormalizeName returns a name in the form used for matching: lower case,
// without the diacritics of Latin letters (ß, æ and œ written out as ss,
// ae and oe), every run of white space one space, trimmed. "José García"
// and "Jose Garcia" match: customers type names on phones and keyboards
// without the accents the directory has, and the other way round.
func NormalizeName(s string) string {
	return strings.Join(strings.Fields(textfold.Plain(s)), " ")
}

// MatchContact reports whether the contact matches every criterion set in
// q, as FindContacts compares them. A query with no criterion matches
// nothing.
func MatchContact(c *Contact, q predict.ContactQuery) bool {
	if q.Email == "" && q.Phone == "" && q.Name == "" {
		return false
	}
	if q.Email != "" && (c.Email == "" || channel.NormalizeEmail(c.Email) != channel.NormalizeEmail(q.Email)) {
		return false
	}
	if q.Phone != "" && !PhonesMatch(c.Phone, q.Phone) {
		return false
	}
	if q.Name != "" && (NormalizeName(c.Name) == "" || NormalizeName(c.Name) != NormalizeName(q.Name)) {
		return false
	}
	return true
}

// ContactFinder finds contacts; ContactStore satisfies it.
type ContactFinder interface {
	FindContacts(ctx context.Context, q predict.ContactQuery) ([]Contact, error)
}

// ContactGetter gets a contact by id; ContactStore satisfies it.
type ContactGetter interface {
	GetContact(ctx context.Context, id string) (*Contact, error)
}

// Directory adapts a store's contacts to the predict.Directory that
// predictors use to resolve contact lookups. It is safe for concurrent
// use when the store is.
func Directory(s ContactFinder) predict.Directory { return directory{s} }

type directory struct{ s ContactFinder }

func (d directory) FindContacts(ctx context.Context, q predict.ContactQuery) ([]predict.Contact, error) {
	cs, err := d.s.FindContacts(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]predict.Contact, len(cs))
	for i := range cs {
		out[i] = cs[i].PredictContact()
	}
	return out, nil
}
