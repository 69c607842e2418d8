package heuristic

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/fieldpattern"
)

// patternField finds identifiers that match a field's pattern.
type patternField struct {
	search *regexp.Regexp // the pattern, unanchored and case-insensitive
	full   *regexp.Regexp // the pattern, anchored, as Check applies it
	// prefix is the folded literal every value starts with, if any: texts
	// without it are not searched.
	prefix string
	// minLen is the least number of bytes a value has; inWord is set when
	// no value holds white space, so that only runs of other characters
	// that long need searching.
	minLen int
	inWord bool
}

// newPatternField compiles a field pattern for searching.
func newPatternField(pattern string) (*patternField, error) {
	full, err := fieldpattern.Compile(pattern)
	if err != nil {
		return nil, err
	}
	search, err := regexp.Compile(`(?i:` + pattern + `)`)
	if err != nil {
		return nil, err
	}
	pf := &patternField{search: search, full: full}
	if prefix, _ := full.LiteralPrefix(); prefix != "" {
		pf.prefix = fold(prefix)
	}
	if re, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		re = re.Simplify()
		pf.minLen = minLen(re)
		pf.inWord = !matchesSpace(re)
	}
	return pf, nil
}

// minLen is the least number of bytes re matches (a lower bound).
func minLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(string(re.Rune))
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture:
		return minLen(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		return 0
	case syntax.OpPlus:
		return minLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n += minLen(s)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range re.Sub {
			if m := minLen(s); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0
}

// matchesSpace reports whether re may match a white-space character.
func matchesSpace(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return true
			}
		}
		return false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for _, sp := range []rune{' ', '\t', '\n', '\r', 0xa0} {
				if re.Rune[i] <= sp && sp <= re.Rune[i+1] {
					return true
				}
			}
		}
		return false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true
	}
	for _, s := range re.Sub {
		if matchesSpace(s) {
			return true
		}
	}
	return false
}

// locate returns the offsets of candidate values in src.
func (pf *patternField) locate(src string) [][]int {
	if !pf.inWord {
		return pf.search.FindAllStringIndex(src, 8)
	}
	var out [][]int
	i := 0
	for i < len(src) {
		for i < len(src) && isSpaceByte(src[i]) {
			i++
		}
		j := i
		for j < len(src) && !isSpaceByte(src[j]) {
			j++
		}
		if j-i >= pf.minLen && j > i {
			for _, loc := range pf.search.FindAllStringIndex(src[i:j], 4) {
				out = append(out, []int{i + loc[0], i + loc[1]})
			}
			if len(out) >= 8 {
				break
			}
		}
		i = j
	}
	return out
}

// mayContain reports whether src can hold a value.
func (pf *patternField) mayContain(src string) bool {
	if pf.prefix == "" {
		return true
	}
	n := len(pf.prefix)
	for i := 0; i+n <= len(src); i++ {
		if foldASCIIEqual(src[i:i+n], pf.prefix) {
			return true
		}
	}
	return false
}

// foldASCIIEqual compares an ASCII-folded prefix; non-ASCII bytes must be
// equal.
func foldASCIIEqual(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// identifier is a value found in a customer message.
type identifier struct {
	value string
	msg   int
	quote string
	order int
	neg   bool
	// confirmed is set for a value a representative asked about and the
	// customer confirmed.
	confirmed bool
	// earlier is set for a value of a season or year gone by ("when I
	// ordered the X200 last autumn (ORD-...)").
	earlier bool
}

var wrongCues = map[string]bool{"wrong": true, "old": true, "previous": true, "incorrect": true, "equivocado": true, "incorrecto": true, "falsch": true, "falsche": true, "falschen": true, "alte": true, "errado": true, "antigo": true, "mauvais": true, "ancien": true, "faux": true}

// find returns the identifiers in the customer's own text (subjects and
// message texts; never quoted history, signatures or instructions to the
// system), oldest first.
func (pf *patternField) find(c *conversation) []identifier {
	var out []identifier
	for _, so := range c.sources {
		m := &c.msgs[so.msg]
		subject := m.Subject
		if so.confirmed {
			subject = ""
		}
		for k, src := range [2]string{subject, m.Text} {
			if src == "" || !pf.mayContain(src) {
				continue
			}
			for _, loc := range pf.locate(src) {
				a, b := loc[0], loc[1]
				if a == b || a > 0 && isAlnumByte(src[a-1]) || b < len(src) && isAlnumByte(src[b]) {
					continue
				}
				if !so.confirmed && c.inInstruction(so.msg, k == 0, a) {
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
				out = append(out, identifier{value: v, msg: so.msg, quote: raw, order: so.order, neg: negatedBefore(src, a), confirmed: so.confirmed, earlier: !so.confirmed && c.ofTimeGoneBy(so.msg, k == 0, a)})
			}
		}
	}
	return out
}

// numberedWords name what has a number, folded: before "no" they make
// it the abbreviation of "number".
var numberedWords = wordSet(`order orders invoice serial ref reference ticket case pedido encomenda commande ordine bestellung bestelling factura fatura facture fattura rechnung factuur`)

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
		// Portuguese "no" is "in the" ("no pedido ORD-..."): it denies
		// only right before the value or before a filler ("no es el").
		if toks[j].fold == "no" && j < len(toks)-1 && !fillers[toks[j+1].fold] {
			continue
		}
		// "order no ORD-417702", "invoice no. 88": "no" is "number".
		if toks[j].fold == "no" && j > 0 && numberedWords[toks[j-1].fold] {
			continue
		}
		if toks[j].is(fNeg) || wrongCues[toks[j].fold] {
			return true
		}
		if toks[j].brk {
			break
		}
	}
	return false
}

// ofTimeGoneBy reports whether the customer's sentence at byte a of
// message mi's text (or subject) places what stands there in a year or
// season gone by: "l'an dernier (commande ORD-351846)", "when I ordered
// the X200 last autumn (ORD-377102)".
func (c *conversation) ofTimeGoneBy(mi int, subject bool, a int) bool {
	part := partText
	if subject {
		part = partSubject
	}
	for i := range c.sents {
		if s := &c.sents[i]; s.msg == mi && s.part == part && s.start <= a && a < s.end {
			return s.gone
		}
	}
	return false
}

// pickIdentifier returns the value the customer means now: the latest one that is
// not negated, and not of a year or season gone by if another is not.
// Values the customer later negates lose.
func pickIdentifier(ids []identifier) (identifier, float64, bool) {
	all := ids
	if slices.ContainsFunc(ids, func(id identifier) bool { return id.earlier }) && slices.ContainsFunc(ids, func(id identifier) bool { return !id.earlier && !id.neg }) {
		ids = slices.DeleteFunc(slices.Clone(ids), func(id identifier) bool { return id.earlier })
	}
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
		for _, o := range all {
			if o.value != id.value {
				conf = 0.85
				break
			}
		}
		if id.confirmed {
			conf -= 0.2
		}
		return id, conf, true
	}
	return identifier{}, 0, false
}

// dateRe matches dates written with digits: 2025-03-04, 04.03.2025,
// 3/4/2025.
var dateRe = regexp.MustCompile(`^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$`)

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
			// A decimal, an amount or a date is not a phone number.
			if !(strings.Count(raw, ".") == 1 && !strings.ContainsAny(raw, " -()/")) && !dateRe.MatchString(raw) {
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
		if m.Kind == channel.KindEmail && m.From.Email != "" && emailRe.FindString(m.From.Email) == m.From.Email {
			return c.customer[k], m.From.Email
		}
	}
	return -1, ""
}
