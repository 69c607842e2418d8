// Package textfold folds text for comparing what a predictor quotes with
// what a conversation says: lower case, every run of white space one
// space. predict.Validate compares evidence this way; predictors that check
// their own quotes fold the same way, so that both agree.
package textfold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/caseagent/caseagent/channel"
)

// Conversation is the evidence text of a conversation's messages (see
// Text), folded when first asked for and then kept, with the
// folded quotes compared against it. Make it with New. It is not
// safe for concurrent use.
type Conversation struct {
	msgs   []channel.Message
	done   bool
	text   string
	ends   []int // ends[i] is where message i's text ends in text
	quotes []foldedQuote
}

type foldedQuote struct{ quote, folded string }

// New returns the folded evidence text of msgs, to be computed when
// first needed. msgs must not change while f is in use.
func New(msgs []channel.Message) *Conversation { return &Conversation{msgs: msgs} }

// Of reports whether f folds exactly msgs.
func (f *Conversation) Of(msgs []channel.Message) bool {
	return len(f.msgs) == len(msgs) && (len(msgs) == 0 || &f.msgs[0] == &msgs[0])
}

func (f *Conversation) fold() {
	if f.done {
		return
	}
	f.done = true
	n := 0
	for i := range f.msgs {
		m := &f.msgs[i]
		n += len(m.Subject) + len(m.From.Name) + len(m.From.Email) + len(m.Text) + len(m.Signature) + 5
	}
	b := make([]byte, 0, n)
	f.ends = make([]int, len(f.msgs))
	for i := range f.msgs {
		m := &f.msgs[i]
		for _, s := range [...]string{m.Subject, m.From.Name, m.From.Email, m.Text, m.Signature} {
			if s != "" {
				b = appendConversation(b, s)
				b = append(b, '\n')
			}
		}
		f.ends[i] = len(b)
	}
	f.text = string(b)
}

// Text is Text of the messages.
func (f *Conversation) Text() string {
	f.fold()
	return f.text
}

// Message is Text of message i alone.
func (f *Conversation) Message(i int) string {
	f.fold()
	start := 0
	if i > 0 {
		start = f.ends[i-1]
	}
	return f.text[start:f.ends[i]]
}

// Quote is Fold(q), kept for the next time the same quote is asked
// for.
func (f *Conversation) Quote(q string) string {
	for _, fq := range f.quotes {
		if fq.quote == q {
			return fq.folded
		}
	}
	fq := foldedQuote{quote: q, folded: Fold(q)}
	if f.quotes == nil {
		f.quotes = make([]foldedQuote, 0, 8) // a handful per prediction
	}
	f.quotes = append(f.quotes, fq)
	return fq.folded
}

// Fold folds s for evidence comparison: lower case, every run of
// white space one space, trimmed.
func Fold(s string) string {
	if !isASCII(s) {
		return strings.Join(strings.Fields(strings.ToLower(s)), " ")
	}
	if foldedASCII(s) {
		return s
	}
	return string(appendConversation(make([]byte, 0, len(s)), s))
}

// appendConversation appends Fold(s) to b, in one pass when s is ASCII.
func appendConversation(b []byte, s string) []byte {
	if !isASCII(s) {
		return append(b, Fold(s)...)
	}
	space := false
	start := len(b)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case asciiSpace(c):
			space = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if space && len(b) > start {
			b = append(b, ' ')
		}
		space = false
		b = append(b, c)
	}
	return b
}

// foldedASCII reports whether the ASCII text s is folded already.
func foldedASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || asciiSpace(c) && (c != ' ' || i == 0 || i == len(s)-1 || s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// asciiSpace reports whether c is white space as strings.Fields sees it.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Text is the folded text that evidence may quote: of every
// message its subject, its sender, its new text and its signature, but not
// its quoted history.
func Text(msgs []channel.Message) string {
	return New(msgs).Text()
}

// Rune lower-cases r and strips the diacritics of the Latin letters
// the supported languages use. It returns 0 for runes that fold to two
// letters; see AppendRune.
func Rune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}
	r = unicode.ToLower(r)
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā':
		return 'a'
	case 'ç', 'ć', 'č':
		return 'c'
	case 'è', 'é', 'ê', 'ë', 'ē', 'ę', 'ě':
		return 'e'
	case 'ì', 'í', 'î', 'ï', 'ī', 'ı':
		return 'i'
	case 'ñ', 'ń', 'ň':
		return 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ő':
		return 'o'
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů', 'ű':
		return 'u'
	case 'ý', 'ÿ':
		return 'y'
	case 'ł':
		return 'l'
	case 'ś', 'š', 'ş':
		return 's'
	case 'ź', 'ż', 'ž':
		return 'z'
	case 'ř':
		return 'r'
	case 'ğ':
		return 'g'
	case 'ß', 'æ', 'œ':
		return 0
	}
	return r
}

// AppendRune appends r folded as Rune folds it, with the letters that
// fold to two written out (ß as ss, æ as ae, œ as oe).
func AppendRune(b []byte, r rune) []byte {
	f := Rune(r)
	switch {
	case f == 0 && r == 'ß':
		return append(b, "ss"...)
	case f == 0 && (r == 'æ' || r == 'Æ'):
		return append(b, "ae"...)
	case f == 0:
		return append(b, "oe"...)
	case f < utf8.RuneSelf:
		return append(b, byte(f))
	}
	return utf8.AppendRune(b, f)
}
