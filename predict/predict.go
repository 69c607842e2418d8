package predict

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/fieldpattern"
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
	// Examples are phrases a customer might write when this option
	// applies, in any language ("my card was charged twice", "doppelt
	// abgebucht"), the way intent tools ask for training phrases. An
	// administrator gives a few per option before the tenant has any
	// history: textclass.TrainFewShot trains a classifier from them, and
	// the offline default predictor (predict/heuristic) reads them as
	// further cues for the option. They are data, never instructions.
	Examples []string `json:"examples,omitempty"`
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
// fallback in turn. A cancelled context is not a failure to fall back on:
// the error then wraps the context's error. The error of the last one is
// returned when all fail, joined with the others.
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
			if cerr := ctx.Err(); cerr != nil {
				// Say that the call was cancelled, whatever the predictor
				// made of it, so that callers do not count it a failure.
				if !errors.Is(err, cerr) {
					errs = append(errs, cerr)
				}
				break
			}
		}
		if len(errs) == 0 {
			return nil, ErrNoPredictor
		}
		return nil, errors.Join(errs...)
	})
}

// Drop is a predicted value that Validate refused, and why.
type Drop struct {
	Field  string `json:"field"`
	Value  any    `json:"value"`
	Reason string `json:"reason"`
}

// Validate keeps the predictions of res that the request allows and returns
// the others as drops: a field that was not requested, a value of the wrong
// type, outside the field's options, not matching its pattern, a
// confidence outside [0,1], or evidence that does not occur in the
// messages (compared after folding case and white space; quoted history
// does not count). Choice and option values are returned in the case of
// the option.
//
// Each kept evidence names the message that holds its quote: the
// MessageID the predictor gave when that message holds it, else the latest
// message that does ("" when the quote spans two messages). Validate never
// modifies res: kept predictions with evidence get evidence of their own.
func Validate(req *Request, res *Result) (kept map[string]Prediction, drops []Drop) {
	if res == nil {
		return map[string]Prediction{}, nil
	}
	kept = make(map[string]Prediction, len(res.Predictions))
	f := newFolded(req.Messages)
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
		if len(p.Evidence) > 0 {
			p.Evidence = locate(req.Messages, f, p.Evidence)
		}
		kept[name] = p
	}
	return kept, drops
}

// locate returns a copy of ev with each quote's MessageID set to the
// message that holds it, as Validate says.
func locate(msgs []channel.Message, f *foldedConv, ev []Evidence) []Evidence {
	out := make([]Evidence, len(ev))
	copy(out, ev)
	holds := func(i int, e *Evidence, q string) bool {
		return strings.Contains(msgs[i].Text, e.Quote) || strings.Contains(f.Message(i), q)
	}
	for k := range out {
		e := &out[k]
		q := f.Quote(e.Quote)
		found := -1
		if e.MessageID != "" {
			for i := len(msgs) - 1; i >= 0; i-- {
				if msgs[i].ID == e.MessageID && holds(i, e, q) {
					found = i
					break
				}
			}
		}
		for i := len(msgs) - 1; i >= 0 && found < 0; i-- {
			if holds(i, e, q) {
				found = i
			}
		}
		e.MessageID = ""
		if found >= 0 {
			e.MessageID = msgs[found].ID
		}
	}
	return out
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
			re, err := fieldpattern.Compile(f.Pattern)
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
