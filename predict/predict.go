package predict

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/caseagent/caseagent/channel"
)

// FieldType is the type of a case field. Values of each type are carried
// as one Go type: text, multiline text, choice, lookup and email values
// are strings, bool values are bools, integer values are int64 and
// currency values are float64.
type FieldType string

// The field types.
const (
	TypeText     FieldType = "text"
	TypeChoice   FieldType = "choice"
	TypeLookup   FieldType = "lookup"
	TypeBool     FieldType = "bool"
	TypeInteger  FieldType = "integer"
	TypeCurrency FieldType = "currency"
	TypeEmail    FieldType = "email"
)

// Valid reports whether t is one of the known field types.
func (t FieldType) Valid() bool {
	switch t {
	case TypeText, TypeChoice, TypeLookup, TypeBool, TypeInteger, TypeCurrency, TypeEmail:
		return true
	}
	return false
}

// LookupContacts is the Lookup of a field whose values are contact ids
// from the tenant's directory.
const LookupContacts = "contacts"

// Option is one allowed value of a choice or lookup field.
type Option struct {
	// Value is what is stored: a choice value or a lookup id.
	Value string `json:"value"`
	// Label is how people name the option, when it differs from Value.
	Label string `json:"label,omitempty"`
	// Description tells when the option applies, typically in the form
	// "Use when: ... Not for: ...", and may list other names for it.
	Description string `json:"description,omitempty"`
}

// Field is one field to predict.
type Field struct {
	Name        string    `json:"name"`
	Type        FieldType `json:"type"`
	Multiline   bool      `json:"multiline,omitempty"`
	Description string    `json:"description,omitempty"`
	// Options are the allowed values of a choice field, or of a lookup
	// field whose ids are listed in the schema.
	Options []Option `json:"options,omitempty"`
	// Lookup names the directory a lookup field resolves against:
	// LookupContacts, or empty when the ids are the Options.
	Lookup string `json:"lookup,omitempty"`
	// Pattern is a regular expression (RE2) every value must match in
	// full, for identifiers such as serial or order numbers.
	Pattern string `json:"pattern,omitempty"`
}

// HasOptions reports whether the field's values are restricted to Options.
func (f *Field) HasOptions() bool {
	return f.Type == TypeChoice || (f.Type == TypeLookup && f.Lookup == "")
}

// Option returns the option whose value is v, compared case-insensitively.
func (f *Field) Option(v string) (Option, bool) {
	for _, o := range f.Options {
		if strings.EqualFold(o.Value, v) {
			return o, true
		}
	}
	return Option{}, false
}

// Contact is a person in the tenant's directory.
type Contact struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// ContactQuery asks the directory for contacts. Exactly one of its fields
// is normally set.
type ContactQuery struct {
	Email string
	// Phone is a phone number in any common notation.
	Phone string
	// Name is a full name, compared case-insensitively.
	Name string
}

// Directory finds contacts. The agent passes the tenant's directory (its
// store) so that predictors can resolve contact lookups; predictors must
// accept a nil Directory and then leave contact fields alone.
type Directory interface {
	FindContacts(ctx context.Context, q ContactQuery) ([]Contact, error)
}

// Request is what a predictor is asked.
type Request struct {
	// Fields are the fields to predict. A predictor answers for these and
	// no others.
	Fields []Field
	// Messages is the conversation so far, oldest first.
	Messages []channel.Message
	// FirstNew is the index in Messages of the first message that no
	// earlier prediction has seen; 0 means all are new.
	FirstNew int
	// Known holds values the case already has, by field name, as context.
	Known map[string]any
	// Customer is what the channel knows of the customer; an
	// authenticated identity is the strongest evidence of the contact.
	Customer channel.Customer
	// Directory resolves contact lookups. It may be nil.
	Directory Directory
}

// Field returns the requested field with the given name.
func (r *Request) Field(name string) (*Field, bool) {
	for i := range r.Fields {
		if r.Fields[i].Name == name {
			return &r.Fields[i], true
		}
	}
	return nil, false
}

// Evidence is a passage of a message that supports a prediction.
type Evidence struct {
	// MessageID is the message the quote comes from, when known.
	MessageID string `json:"message_id,omitempty"`
	// Quote is the customer's (or representative's) own words.
	Quote string `json:"quote"`
}

// Prediction is a predicted value for one field.
type Prediction struct {
	// Value is of the Go type of the field's type (see FieldType).
	Value any `json:"value"`
	// Confidence is the predictor's estimate, in [0,1], that Value is
	// what a careful person would record.
	Confidence float64 `json:"confidence"`
	// Evidence quotes the messages. Values that follow from the channel
	// (an authenticated contact) may have none.
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Usage is what a prediction consumed.
type Usage struct {
	// Calls is the number of model calls made.
	Calls            int `json:"calls"`
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	// Cost is the price of the calls in the host's currency, from the
	// price table the host configured; zero when none was.
	Cost float64 `json:"cost"`
}

// Add adds o to u.
func (u *Usage) Add(o Usage) {
	u.Calls += o.Calls
	u.PromptTokens += o.PromptTokens
	u.CompletionTokens += o.CompletionTokens
	u.TotalTokens += o.TotalTokens
	u.Cost += o.Cost
}

// Result is a predictor's answer. A requested field that is missing from
// Predictions was abstained on.
type Result struct {
	Predictions map[string]Prediction `json:"predictions"`
	Usage       Usage                 `json:"usage"`
	// Predictor names what answered (for a model, the model's name).
	Predictor string `json:"predictor,omitempty"`
}

// Predictor predicts case fields from a conversation.
//
// Implementations must be safe for concurrent use, must not modify the
// request, and return an error only when they could not predict at all;
// a field they cannot fill is simply left out of the result.
type Predictor interface {
	Predict(ctx context.Context, req *Request) (*Result, error)
}

// Func adapts a function to the Predictor interface.
type Func func(ctx context.Context, req *Request) (*Result, error)

// Predict calls f.
func (f Func) Predict(ctx context.Context, req *Request) (*Result, error) { return f(ctx, req) }

// ErrNoPredictor is returned by compositions given no predictor.
var ErrNoPredictor = errors.New("predict: no predictor")

// Chain returns a Predictor that asks each predictor in turn for the
// fields the ones before it left open, and merges their answers and usage.
// The first answer for a field wins. An error from any of them ends the
// chain with that error; wrap the later ones in Fallback to tolerate it.
func Chain(ps ...Predictor) Predictor {
	return Func(func(ctx context.Context, req *Request) (*Result, error) {
		if len(ps) == 0 {
			return nil, ErrNoPredictor
		}
		out := &Result{Predictions: map[string]Prediction{}}
		var names []string
		sub := *req
		for _, p := range ps {
			sub.Fields = openFields(req.Fields, out.Predictions)
			if len(sub.Fields) == 0 {
				break
			}
			res, err := p.Predict(ctx, &sub)
			if err != nil {
				return nil, err
			}
			if res == nil {
				continue
			}
			out.Usage.Add(res.Usage)
			used := false
			for _, f := range sub.Fields {
				if pr, ok := res.Predictions[f.Name]; ok {
					out.Predictions[f.Name] = pr
					used = true
				}
			}
			if used && res.Predictor != "" {
				names = append(names, res.Predictor)
			}
		}
		out.Predictor = strings.Join(names, "+")
		return out, nil
	})
}

func openFields(fields []Field, done map[string]Prediction) []Field {
	var open []Field
	for _, f := range fields {
		if _, ok := done[f.Name]; !ok {
			open = append(open, f)
		}
	}
	return open
}

// Fallback returns a Predictor that asks primary and, when it fails, each
// fallback in turn. A cancelled context is not a failure to fall back on.
// The error of the last one is returned when all fail, joined with the
// others.
func Fallback(primary Predictor, fallbacks ...Predictor) Predictor {
	ps := append([]Predictor{primary}, fallbacks...)
	return Func(func(ctx context.Context, req *Request) (*Result, error) {
		var errs []error
		for _, p := range ps {
			if p == nil {
				continue
			}
			res, err := p.Predict(ctx, req)
			if err == nil {
				return res, nil
			}
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
		if len(errs) == 0 {
			return nil, ErrNoPredictor
		}
		return nil, errors.Join(errs...)
	})
}

// Drop is a predicted value that Check refused, and why.
type Drop struct {
	Field  string `json:"field"`
	Value  any    `json:"value"`
	Reason string `json:"reason"`
}

// Check keeps the predictions of res that the request allows and returns
// the others as drops: a field that was not requested, a value of the wrong
// type, outside the field's options, not matching its pattern, a
// confidence outside [0,1], or evidence that does not occur in the
// messages (compared after folding case and white space; quoted history
// does not count). Choice and option values are returned in the case of
// the option. Check never modifies res.
func Check(req *Request, res *Result) (kept map[string]Prediction, drops []Drop) {
	return CheckFolded(req, res, nil)
}

// CheckFolded is Check with the messages' evidence text folded already:
// f must come from NewFolded(req.Messages) (a Folded of other messages is
// not used; nil folds them here). A caller that compares evidence with
// the messages again afterwards shares f and folds the text only once.
func CheckFolded(req *Request, res *Result, f *Folded) (kept map[string]Prediction, drops []Drop) {
	if res == nil {
		return map[string]Prediction{}, nil
	}
	kept = make(map[string]Prediction, len(res.Predictions))
	if f == nil || !f.of(req.Messages) {
		f = NewFolded(req.Messages)
	}
	for name, p := range res.Predictions {
		fd, ok := req.Field(name)
		if !ok {
			drops = append(drops, Drop{Field: name, Value: p.Value, Reason: "field was not requested"})
			continue
		}
		v, err := fd.Normalize(p.Value)
		if err != nil {
			drops = append(drops, Drop{Field: name, Value: p.Value, Reason: err.Error()})
			continue
		}
		if math.IsNaN(p.Confidence) || p.Confidence < 0 || p.Confidence > 1 {
			drops = append(drops, Drop{Field: name, Value: p.Value, Reason: fmt.Sprintf("confidence %v outside [0,1]", p.Confidence)})
			continue
		}
		bad := ""
		for _, e := range p.Evidence {
			q := f.Quote(e.Quote)
			if q == "" || !strings.Contains(f.Text(), q) {
				bad = e.Quote
				break
			}
		}
		if bad != "" {
			drops = append(drops, Drop{Field: name, Value: p.Value, Reason: fmt.Sprintf("evidence %q does not occur in the messages", truncate(bad, 80))})
			continue
		}
		p.Value = v
		kept[name] = p
	}
	return kept, drops
}

// Folded is the evidence text of a conversation's messages (see
// EvidenceText), folded when first asked for and then kept, with the
// folded quotes compared against it. Make it with NewFolded. It is not
// safe for concurrent use.
type Folded struct {
	msgs   []channel.Message
	done   bool
	text   string
	ends   []int // ends[i] is where message i's text ends in text
	quotes []foldedQuote
}

type foldedQuote struct{ quote, folded string }

// NewFolded returns the folded evidence text of msgs, to be computed when
// first needed. msgs must not change while f is in use.
func NewFolded(msgs []channel.Message) *Folded { return &Folded{msgs: msgs} }

// of reports whether f folds exactly msgs.
func (f *Folded) of(msgs []channel.Message) bool {
	return len(f.msgs) == len(msgs) && (len(msgs) == 0 || &f.msgs[0] == &msgs[0])
}

func (f *Folded) fold() {
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
				b = appendFolded(b, s)
				b = append(b, '\n')
			}
		}
		f.ends[i] = len(b)
	}
	f.text = string(b)
}

// Text is EvidenceText of the messages.
func (f *Folded) Text() string {
	f.fold()
	return f.text
}

// Message is EvidenceText of message i alone.
func (f *Folded) Message(i int) string {
	f.fold()
	start := 0
	if i > 0 {
		start = f.ends[i-1]
	}
	return f.text[start:f.ends[i]]
}

// Quote is FoldSpace(q), kept for the next time the same quote is asked
// for.
func (f *Folded) Quote(q string) string {
	for _, fq := range f.quotes {
		if fq.quote == q {
			return fq.folded
		}
	}
	fq := foldedQuote{quote: q, folded: FoldSpace(q)}
	if f.quotes == nil {
		f.quotes = make([]foldedQuote, 0, 8) // a handful per prediction
	}
	f.quotes = append(f.quotes, fq)
	return fq.folded
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

// Normalize checks that v is a valid value of the field and returns it in
// canonical form: the option's own spelling for choices and listed
// lookups, int64 for integers (from any integer or integral float),
// float64 for currency, and trimmed text. It does not resolve directory
// lookups. The error says what is wrong.
func (f *Field) Normalize(v any) (any, error) {
	if v == nil {
		return nil, errors.New("no value")
	}
	switch f.Type {
	case TypeText, TypeEmail, TypeChoice, TypeLookup:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s value must be text, not %T", f.Type, v)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, errors.New("empty value")
		}
		if f.HasOptions() {
			o, ok := f.Option(s)
			if !ok {
				return nil, fmt.Errorf("%q is not one of the options of %s", truncate(s, 80), f.Name)
			}
			return o.Value, nil
		}
		if f.Type == TypeEmail && !looksLikeEmail(s) {
			return nil, fmt.Errorf("%q is not an email address", truncate(s, 80))
		}
		if f.Type == TypeText && !f.Multiline && strings.ContainsAny(s, "\r\n") {
			s = strings.Join(strings.Fields(s), " ")
		}
		if f.Pattern != "" {
			re, err := compilePattern(f.Pattern)
			if err != nil {
				return nil, fmt.Errorf("field %s: bad pattern: %w", f.Name, err)
			}
			if !re.MatchString(s) {
				return nil, fmt.Errorf("%q does not match the pattern %s", truncate(s, 80), f.Pattern)
			}
		}
		return s, nil
	case TypeBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("bool value must be true or false, not %T", v)
		}
		return b, nil
	case TypeInteger:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int32:
			return int64(n), nil
		case int64:
			return n, nil
		case float64:
			if n != math.Trunc(n) || math.IsInf(n, 0) || math.Abs(n) > 1<<53 {
				return nil, fmt.Errorf("%v is not an integer", n)
			}
			return int64(n), nil
		}
		return nil, fmt.Errorf("integer value must be a number, not %T", v)
	case TypeCurrency:
		switch n := v.(type) {
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, fmt.Errorf("%v is not an amount", n)
			}
			return math.Round(n*100) / 100, nil
		case int:
			return float64(n), nil
		case int64:
			return float64(n), nil
		}
		return nil, fmt.Errorf("currency value must be a number, not %T", v)
	}
	return nil, fmt.Errorf("unknown field type %q", f.Type)
}

func looksLikeEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n<>") && strings.Contains(s[at:], ".")
}

// compilePattern compiles a field pattern anchored at both ends. Compiled
// patterns are kept (a tenant has a handful), since Normalize runs on
// every predicted and every stored value and compiling costs far more than
// matching.
func compilePattern(p string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, err
	}
	if patternCount.Add(1) <= maxPatterns {
		patterns.Store(p, re)
	}
	return re, nil
}

// patterns caches compiled field patterns, up to maxPatterns of them. A
// *regexp.Regexp is safe for concurrent use.
var (
	patterns     sync.Map // pattern -> *regexp.Regexp
	patternCount atomic.Int64
)

const maxPatterns = 4096

// CompilePattern compiles a field's pattern so that it matches whole
// values only. It is exported so that schema loaders reject a bad pattern
// at load time with the same rules Check applies.
func CompilePattern(p string) (*regexp.Regexp, error) { return compilePattern(p) }

// FoldSpace folds s for evidence comparison: lower case, every run of
// white space one space, trimmed.
func FoldSpace(s string) string {
	if !isASCII(s) {
		return strings.Join(strings.Fields(strings.ToLower(s)), " ")
	}
	if foldedASCII(s) {
		return s
	}
	return string(appendFolded(make([]byte, 0, len(s)), s))
}

// appendFolded appends FoldSpace(s) to b, in one pass when s is ASCII.
func appendFolded(b []byte, s string) []byte {
	if !isASCII(s) {
		return append(b, FoldSpace(s)...)
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

// EvidenceText is the folded text that evidence may quote: of every
// message its subject, its sender, its new text and its signature, but not
// its quoted history.
func EvidenceText(msgs []channel.Message) string {
	return NewFolded(msgs).Text()
}
