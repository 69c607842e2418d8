package heuristic

import (
	"regexp"
	"strings"

	"github.com/caseagent/caseagent/channel"
)

// patternField finds identifiers that match a field's pattern.
type patternField struct {
	search *regexp.Regexp // the pattern, unanchored and case-insensitive
	full   *regexp.Regexp // the pattern, anchored, as Check applies it
}

// identifier is a value found in a customer message.
type identifier struct {
	value string
	msg   int
	quote string
	order int
	neg   bool
}

var wrongCues = map[string]bool{"wrong": true, "old": true, "previous": true, "incorrect": true, "equivocado": true, "incorrecto": true, "falsch": true, "falsche": true, "falschen": true, "alte": true, "errado": true, "antigo": true, "mauvais": true, "ancien": true, "faux": true}

// find returns the identifiers in the customer's own text (subjects and
// message texts; never quoted history or signatures), oldest first.
func (pf *patternField) find(c *conversation) []identifier {
	var out []identifier
	for k, mi := range c.customer {
		m := &c.msgs[mi]
		for _, src := range [2]string{m.Subject, m.Text} {
			if src == "" {
				continue
			}
			for _, loc := range pf.search.FindAllStringIndex(src, 8) {
				a, b := loc[0], loc[1]
				if a == b || a > 0 && isAlnumByte(src[a-1]) || b < len(src) && isAlnumByte(src[b]) {
					continue
				}
				raw := src[a:b]
				v := ""
				for _, cand := range [3]string{raw, strings.ToUpper(raw), strings.ToLower(raw)} {
					if pf.full.MatchString(cand) {
						v = cand
						break
					}
				}
				if v == "" {
					continue
				}
				out = append(out, identifier{value: v, msg: mi, quote: raw, order: k, neg: negatedBefore(src, a)})
			}
		}
	}
	return out
}

func isAlnumByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// negatedBefore reports whether the words just before src[a:] negate what
// follows ("not SN-...", "the wrong one was SN-...").
func negatedBefore(src string, a int) bool {
	from := max(0, a-48)
	for from > 0 && from < a && src[from]&0xC0 == 0x80 {
		from--
	}
	toks := tokenize(src[from:a], nil)
	if len(toks) == 0 || strings.ContainsAny(src[from+toks[len(toks)-1].end:a], ".,;:!?()") {
		return false
	}
	for j := len(toks) - 1; j >= 0 && j >= len(toks)-3; j-- {
		if negators[toks[j].fold] || wrongCues[toks[j].fold] {
			return true
		}
		if toks[j].brk {
			break
		}
	}
	return false
}

// pick returns the value the customer means now: the latest one that is
// not negated. Values the customer later negates lose.
func pickIdentifier(ids []identifier) (identifier, float64, bool) {
	negatedAfter := map[string]int{}
	for i, id := range ids {
		if id.neg {
			negatedAfter[id.value] = i
		}
	}
	for i := len(ids) - 1; i >= 0; i-- {
		id := ids[i]
		if id.neg {
			continue
		}
		if j, ok := negatedAfter[id.value]; ok && j > i {
			continue
		}
		conf := 0.95
		for _, o := range ids {
			if o.value != id.value {
				conf = 0.85
				break
			}
		}
		return id, conf, true
	}
	return identifier{}, 0, false
}

// emailRe finds email addresses in text.
var emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

// emails returns the addresses in s with their offsets.
func emails(s string) [][]int {
	if strings.IndexByte(s, '@') < 0 {
		return nil
	}
	return emailRe.FindAllStringIndex(s, 8)
}

// phone is a phone number found in a text.
type phone struct {
	raw    string // as written
	digits string // digits only, with a leading + when written
}

// phones finds phone numbers in any common notation: 7 to 15 digits with
// spaces, dots, hyphens, slashes or parentheses between them, optionally
// after a +. Runs attached to letters (serials, order numbers) are not
// phone numbers, nor are times and amounts.
func phones(s string) []phone {
	var out []phone
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '+' || c == '(') {
			continue
		}
		if i > 0 && (isAlnumByte(s[i-1]) || s[i-1] == '-' || s[i-1] == '.' || s[i-1] == '/' || s[i-1] == ':') {
			// Skip the rest of this run.
			for i < len(s) && (isAlnumByte(s[i]) || s[i] == '-') {
				i++
			}
			continue
		}
		j := i
		nd := 0
		lastDigit := i
		bad := false
		for j < len(s) {
			d := s[j]
			switch {
			case d >= '0' && d <= '9':
				nd++
				lastDigit = j
			case d == '+' && j == i, d == '(' || d == ')' || d == '-' || d == '.' || d == '/':
			case d == ' ' && j+1 < len(s) && (s[j+1] >= '0' && s[j+1] <= '9' || s[j+1] == '('):
			case d == ':':
				bad = true
			default:
				goto done
			}
			if bad {
				break
			}
			j++
		}
	done:
		end := lastDigit + 1
		if !bad && nd >= 7 && nd <= 15 && (end >= len(s) || !isAlnumByte(s[end]) && !(end+1 < len(s) && s[end] == '-' && isAlnumByte(s[end+1]))) {
			raw := s[i:end]
			var b strings.Builder
			for k := 0; k < len(raw); k++ {
				if raw[k] == '+' && b.Len() == 0 || raw[k] >= '0' && raw[k] <= '9' {
					b.WriteByte(raw[k])
				}
			}
			// An amount such as 1.234.567,00 or a decimal is not a phone.
			if !(strings.Count(raw, ".") == 1 && !strings.ContainsAny(raw, " -()/")) {
				out = append(out, phone{raw: raw, digits: b.String()})
			}
		}
		i = max(j, i)
	}
	return out
}

// latestFromEmail returns the sender address of the latest customer email.
func latestFromEmail(c *conversation) (int, string) {
	for k := len(c.customer) - 1; k >= 0; k-- {
		m := &c.msgs[c.customer[k]]
		if m.Kind == channel.KindEmail && m.From.Email != "" {
			return c.customer[k], m.From.Email
		}
	}
	return -1, ""
}
