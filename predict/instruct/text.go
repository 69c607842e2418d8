package instruct

import (
	"unicode"
	"unicode/utf8"

	"github.com/caseagent/caseagent/internal/textfold"
)

// token is a word of a line: folded (lower case, no diacritics) and where
// it is in the line.
type token struct {
	w          string
	start, end int
	fa, fb     int // where w is in the folded text
	// brk is set when punctuation that ends a clause comes right before
	// the word.
	brk bool
}

func isWordRune(r rune) bool {
	return r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// clauseBreak reports punctuation that ends a clause.
func clauseBreak(c byte) bool {
	switch c {
	case ',', ';', ':', '.', '!', '?', '(', ')', '[', ']', '<', '>', '"', '\n', '|', '=':
		return true
	}
	return false
}

// tokenize splits s into folded words. A hyphen or an apostrophe inside
// a word splits it ("l'assistant" is "l" and "assistant", "Wi-Fi" is "wi"
// and "fi"). The folded words are slices of one folded copy of s, or of s
// itself when folding changes nothing.
func tokenize(s string, out []token) []token {
	out, _ = tokenizeInto(s, out, nil)
	return out
}

// tokenizeInto is tokenize with a scratch buffer to reuse.
func tokenizeInto(s string, out []token, buf []byte) ([]token, []byte) {
	out = out[:0]
	brk := true
	buf = buf[:0]
	start, fstart := -1, 0
	for i := 0; i < len(s); {
		c := s[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if isWordRune(r) {
			if start < 0 {
				start, fstart = i, len(buf)
			}
			switch {
			case c < utf8.RuneSelf:
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf = append(buf, c)
			default:
				switch f := textfold.Rune(r); {
				case f == 0 && r == 'ß':
					buf = append(buf, "ss"...)
				case f == 0 && (r == 'æ' || r == 'Æ'):
					buf = append(buf, "ae"...)
				case f == 0:
					buf = append(buf, "oe"...)
				case f < utf8.RuneSelf:
					buf = append(buf, byte(f))
				default:
					buf = utf8.AppendRune(buf, f)
				}
			}
			i += size
			continue
		}
		if start >= 0 {
			out = append(out, token{start: start, end: i, fa: fstart, fb: len(buf), brk: brk})
			brk, start = false, -1
		}
		buf = append(buf, s[i:i+size]...)
		if c < utf8.RuneSelf && clauseBreak(c) || r == '¿' || r == '¡' || r == '«' || r == '»' || r == '“' || r == '”' {
			brk = true
		}
		i += size
	}
	if start >= 0 {
		out = append(out, token{start: start, end: len(s), fa: fstart, fb: len(buf), brk: brk})
	}
	folded := s
	if string(buf) != s {
		folded = string(buf)
	}
	for i := range out {
		out[i].w = folded[out[i].fa:out[i].fb]
	}
	return out, buf
}

// span is a range of byte offsets.
type span struct{ start, end int }

// sentences splits a line into sentences: they end at . ! or ? followed
// by a space, and at the end of the line.
func sentences(line string) []span {
	var out []span
	start := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		if (c == '.' || c == '!' || c == '?') && (i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\t') {
			out = append(out, span{start, i + 1})
			start = i + 1
		}
	}
	if start < len(line) {
		out = append(out, span{start, len(line)})
	}
	return out
}
