package textclass

import (
	"strings"
	"unicode"
)

// Evidence returns the sentence of text that on its own most supports
// label: the one the model gives label the highest probability. It is a
// substring of text (trimmed of white space), or "" when text has no
// sentence with a known feature or label is not one of the model's.
func (m *Model) Evidence(text, label string) string {
	k := -1
	for i, l := range m.labels {
		if l == label {
			k = i
		}
	}
	if k < 0 {
		return ""
	}
	s := m.getScratch()
	defer m.pool.Put(s)
	best, bestP := "", 0.0
	for _, sent := range sentences(text) {
		m.probabilities(s, sent)
		if len(s.vec.rows) == 0 {
			continue
		}
		if p := s.scores[k]; p > bestP {
			best, bestP = sent, p
		}
	}
	return best
}

// sentences splits text after sentence-ending punctuation followed by a
// space, and at line breaks, returning the trimmed, non-empty pieces.
func sentences(text string) []string {
	var out []string
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(text[start:end]); s != "" {
			out = append(out, s)
		}
		start = end
	}
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\n':
			emit(i + 1)
		case '.', '!', '?':
			if i+1 == len(text) || unicode.IsSpace(rune(text[i+1])) {
				emit(i + 1)
			}
		}
	}
	emit(len(text))
	return out
}
