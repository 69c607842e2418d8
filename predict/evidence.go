package predict

import (
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/textfold"
)

// foldedConv is the evidence text of a conversation's messages (see
// Text), folded when first asked for and then kept, with the
// folded quotes compared against it. Make it with New. It is not
// safe for concurrent use.
type foldedConv struct {
	msgs   []channel.Message
	done   bool
	text   string
	ends   []int // ends[i] is where message i's text ends in text
	quotes []foldedQuote
}

type foldedQuote struct{ quote, folded string }

// newFolded returns the folded evidence text of msgs, to be computed when
// first needed. msgs must not change while f is in use.
func newFolded(msgs []channel.Message) *foldedConv { return &foldedConv{msgs: msgs} }

// Of reports whether f folds exactly msgs.
func (f *foldedConv) Of(msgs []channel.Message) bool {
	return len(f.msgs) == len(msgs) && (len(msgs) == 0 || &f.msgs[0] == &msgs[0])
}

func (f *foldedConv) fold() {
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
				b = textfold.AppendFold(b, s)
				b = append(b, '\n')
			}
		}
		f.ends[i] = len(b)
	}
	f.text = string(b)
}

// Text is Text of the messages.
func (f *foldedConv) Text() string {
	f.fold()
	return f.text
}

// Message is Text of message i alone.
func (f *foldedConv) Message(i int) string {
	f.fold()
	start := 0
	if i > 0 {
		start = f.ends[i-1]
	}
	return f.text[start:f.ends[i]]
}

// Quote is textfold.Fold(q), kept for the next time the same quote is asked
// for.
func (f *foldedConv) Quote(q string) string {
	for _, fq := range f.quotes {
		if fq.quote == q {
			return fq.folded
		}
	}
	fq := foldedQuote{quote: q, folded: textfold.Fold(q)}
	if f.quotes == nil {
		f.quotes = make([]foldedQuote, 0, 8) // a handful per prediction
	}
	f.quotes = append(f.quotes, fq)
	return fq.folded
}

// evidenceText is the folded text that evidence may quote: of every
// message its subject, its sender, its new text and its signature, but not
// its quoted history.
func evidenceText(msgs []channel.Message) string {
	return newFolded(msgs).Text()
}
