package llm

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/textfold"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/instruct"
)

// haystack is the text evidence may quote, with the spans of it that are
// instructions addressed to the model rather than facts about the case,
// as the shared detector (predict/instruct) finds them.
type haystack struct {
	text  string
	spans [][2]int
	// perMsg is each message's evidence text, to find a quote's message.
	perMsg []string
	// dictated is what instructions in the customer's text tell the
	// model to record, by field.
	dictated map[string]*dictation
	// third are the spans of text the customer passes on rather than
	// writes (forwarded messages, quoted lines).
	third [][2]int
}

// containsWord reports whether w occurs in s between word boundaries.
func containsWord(s, w string) bool {
	for at := 0; ; {
		i := strings.Index(s[at:], w)
		if i < 0 {
			return false
		}
		i += at
		end := i + len(w)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		at = i + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func newHaystack(msgs []channel.Message, specs []spec) *haystack {
	h := &haystack{perMsg: make([]string, len(msgs)), dictated: map[string]*dictation{}}
	v := newVocab(specs)
	det := detectorOf(specs)
	var b strings.Builder
	for i := range msgs {
		m := &msgs[i]
		// Representatives' words are not the customer's: they dictate
		// nothing (their sentences may still be instructions).
		customer := m.Role != channel.RoleRepresentative
		from := b.Len()
		for _, part := range []string{m.Subject, m.From.Name, m.From.Email, m.Text, m.Signature} {
			if textfold.Fold(part) == "" {
				continue
			}
			spans := det.Spans(part)
			if customer {
				h.dictate(spans)
				spans = instruct.Own(spans, m.From.Email)
			}
			// Third-party content may span many lines with
			// instructions inside: each kind is walked on its own.
			var third []instruct.Span
			spans = slices.DeleteFunc(spans, func(sp instruct.Span) bool {
				if sp.Kind == instruct.ThirdParty {
					third = append(third, sp)
					return true
				}
				return false
			})
			// Each line is folded on its own and the lines joined by a
			// space, which gives the part's folded text exactly, while
			// sentences still end where lines do.
			first := true
			next, nextThird := 0, 0 // the first spans that may reach the next line
			for ls := 0; ls <= len(part); {
				le := strings.IndexByte(part[ls:], '\n')
				if le < 0 {
					le = len(part)
				} else {
					le += ls
				}
				line := part[ls:le]
				lineStart := ls
				ls = le + 1
				fl := textfold.Fold(line)
				if fl == "" {
					continue
				}
				if !first {
					b.WriteByte(' ')
				}
				first = false
				ln := foldedLine{part: part, start: lineStart, end: le, folded: fl, base: b.Len()}
				next = h.mark(ln, spans, next)
				nextThird = h.mark(ln, third, nextThird)
				h.addLine(&b, fl, v, customer)
			}
			b.WriteByte('\n')
		}
		h.perMsg[i] = b.String()[from:]
	}
	h.text = b.String()
	return h
}

// detectorOf returns the instruction detector for the requested fields.
func detectorOf(specs []spec) *instruct.Detector {
	fields := make([]predict.Field, len(specs))
	for i := range specs {
		fields[i] = specs[i].Field
	}
	return instruct.ForFields(fields)
}

// foldedLine is the line part[start:end], folded as folded at offset base
// of the haystack.
type foldedLine struct {
	part       string
	start, end int
	folded     string
	base       int
}

// mark adds the detector's spans that fall in the line ln. spans are
// ordered by start and from is the first that may reach the line; it
// returns the first that may reach the next one.
func (h *haystack) mark(ln foldedLine, spans []instruct.Span, from int) int {
	part, ls, le, fl, base := ln.part, ln.start, ln.end, ln.folded, ln.base
	for from < len(spans) && spans[from].End <= ls {
		from++
	}
	for _, sp := range spans[from:] {
		if sp.Start >= le {
			break
		}
		a, e := max(sp.Start, ls), min(sp.End, le)
		if a >= e {
			continue
		}
		fs := textfold.Fold(part[a:e])
		if fs == "" {
			continue
		}
		skip := min(len(textfold.Fold(part[ls:a])), len(fl))
		at := strings.Index(fl[skip:], fs)
		if at >= 0 {
			at += skip
		} else if at = strings.Index(fl, fs); at < 0 {
			continue
		}
		r := [2]int{base + at, base + at + len(fs)}
		if sp.Kind == instruct.ThirdParty {
			h.third = append(h.third, r)
		} else {
			h.spans = append(h.spans, r)
		}
	}
	return from
}

// dictate records the values the detector's instruction spans name.
func (h *haystack) dictate(spans []instruct.Span) {
	for _, sp := range spans {
		for _, v := range sp.Values {
			d := h.dictated[v.Field]
			if d == nil {
				d = &dictation{options: map[string]bool{}}
				h.dictated[v.Field] = d
			}
			d.options[v.Value] = true
			if o := textfold.Fold(v.Value); !slices.Contains(d.objects, o) {
				d.objects = append(d.objects, o)
			}
		}
	}
}

// ownWords reports whether one of the quotes occurs in the messages
// outside third-party content.
func (h *haystack) ownWords(quotes []string) bool {
	for _, q := range quotes {
		f := textfold.Fold(q)
		for at := strings.Index(h.text, f); at >= 0 && f != ""; {
			inside := false
			for _, s := range h.third {
				if at >= s[0] && at+len(f) <= s[1] {
					inside = true
					break
				}
			}
			if !inside {
				return true
			}
			next := strings.Index(h.text[at+1:], f)
			if next < 0 {
				break
			}
			at += 1 + next
		}
	}
	return false
}

// addLine appends a folded line to b and records what its sentences
// dictate: every value an instruction sentence (one the detector marked)
// gives a field, and the values other sentences give in the plain
// forms ("and category to returns"). The line's instruction spans must
// be marked before.
func (h *haystack) addLine(b *strings.Builder, line string, v *vocab, customer bool) {
	base := b.Len()
	b.WriteString(line)
	into := h.dictated
	if !customer {
		into = map[string]*dictation{}
	}
	for _, sent := range splitSentences(line) {
		v.dictations(line[sent[0]:sent[1]], h.inSpan(base+sent[0], base+sent[1]), into)
	}
}

// splitSentences returns the sentences of a folded line: they end at
// . ! or ? followed by a space, and at the end.
func splitSentences(line string) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		if (c == '.' || c == '!' || c == '?') && (i+1 == len(line) || line[i+1] == ' ') {
			out = append(out, [2]int{start, i + 1})
			start = i + 1
		}
	}
	if start < len(line) {
		out = append(out, [2]int{start, len(line)})
	}
	return out
}

// check says what is wrong with a quote, or "".
func (h *haystack) check(quote string) string {
	q := textfold.Fold(quote)
	if q == "" {
		return "empty evidence"
	}
	at := strings.Index(h.text, q)
	if at < 0 {
		return fmt.Sprintf("evidence %q does not occur in the messages", clip(quote, 80))
	}
	// A sentence that an instruction names ("quote 'the app still shows
	// it as online'") is planted evidence, even where it also occurs as
	// a fact. Short quotes (a model code, a value) are left to the rule
	// below, since instructions name values too.
	if len(strings.Fields(q)) >= 3 {
		for i := at; i >= 0; {
			if h.within(i, i+len(q)) {
				return fmt.Sprintf("evidence %q is named by an instruction in the customer's text", clip(quote, 80))
			}
			next := strings.Index(h.text[i+1:], q)
			if next < 0 {
				break
			}
			i += 1 + next
		}
	}
	// The quote supports the value if some occurrence of it lies outside
	// every instruction span.
	for at >= 0 {
		if !h.inSpan(at, at+len(q)) {
			return ""
		}
		next := strings.Index(h.text[at+1:], q)
		if next < 0 {
			break
		}
		at += 1 + next
	}
	return fmt.Sprintf("evidence %q is an instruction in the customer's text, not a fact", clip(quote, 80))
}

// within reports whether text[from:to] lies inside one instruction span.
func (h *haystack) within(from, to int) bool {
	for _, s := range h.spans {
		if from >= s[0] && to <= s[1] {
			return true
		}
	}
	return false
}

func (h *haystack) inSpan(from, to int) bool {
	for _, s := range h.spans {
		if from < s[1] && to > s[0] {
			return true
		}
	}
	return false
}

// messageID returns the id of the first message whose text holds quote.
func (h *haystack) messageID(msgs []channel.Message, quote string) string {
	q := textfold.Fold(quote)
	for i, t := range h.perMsg {
		if strings.Contains(t, q) {
			return msgs[i].ID
		}
	}
	return ""
}

// literal reports whether a field's value is something the customer
// must have written (an identifier, an address, a contact's details),
// so that it has to appear in its own evidence.
func literal(s *spec) bool {
	return s.contacts || s.Pattern != "" || s.Type == predict.TypeEmail
}

// inQuotes reports whether value occurs in one of the quotes: as folded
// text, or for phone numbers as the same digits.
func inQuotes(value string, quotes []string) bool {
	v := textfold.Fold(value)
	dv := digits(value)
	for _, q := range quotes {
		fq := textfold.Fold(q)
		if v != "" && strings.Contains(fq, v) {
			return true
		}
		if len(dv) >= 7 && len(dv)*2 >= len(strings.ReplaceAll(v, " ", "")) && strings.Contains(digits(q), dv) {
			return true
		}
	}
	return false
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// looksLikePhone reports whether s is written like a phone number.
func looksLikePhone(s string) bool {
	d := digits(s)
	if len(d) < 7 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune("+-(). /", r) {
			return false
		}
	}
	return true
}

// resolveContact finds the one contact the model's "as written" value
// names. Ambiguity and failure resolve to nothing.
func resolveContact(ctx context.Context, dir predict.Directory, v string) (string, error) {
	var q predict.ContactQuery
	switch {
	case strings.Contains(v, "@"):
		q.Email = channel.NormalizeEmail(v)
	case looksLikePhone(v):
		q.Phone = strings.TrimSpace(v)
	default:
		q.Name = oneLine(v)
	}
	cs, err := dir.FindContacts(ctx, q)
	if err != nil {
		return "", err
	}
	if len(cs) != 1 || cs[0].ID == "" {
		return "", nil
	}
	return cs[0].ID, nil
}

// guard turns a validated answer into predictions, keeping only values
// whose evidence occurs in the messages outside any instruction the
// customer addressed to the model, whose identifiers occur in their own
// evidence, and whose contacts resolve to exactly one directory entry.
// predict.Validate runs over what is left, as the last word.
func guard(ctx context.Context, req *predict.Request, specs []spec, a *answer) (map[string]predict.Prediction, []predict.Drop, error) {
	h := newHaystack(req.Messages, specs)
	out := &predict.Result{Predictions: map[string]predict.Prediction{}}
	var drops []predict.Drop
	for i := range specs {
		s := &specs[i]
		v, ok := a.Values[s.Name]
		if !ok {
			continue
		}
		quotes := a.Evidence[s.Name]
		bad := ""
		for _, q := range quotes {
			if bad = h.check(q); bad != "" {
				break
			}
		}
		if bad == "" && len(quotes) == 0 {
			bad = "no evidence"
		}
		if bad == "" && s.Type == predict.TypeChoice && len(h.third) > 0 && !h.ownWords(quotes) {
			// A classification rests on the customer's own words, not
			// on what they pass on.
			bad = "evidence is text the customer passes on, not their own words"
		}
		if obj, ok := dictated(h.dictated, s, v); bad == "" && ok {
			bad = fmt.Sprintf("the customer's text instructs this value (%q), whatever the evidence", clip(obj, 80))
		}
		if str, isStr := v.(string); bad == "" && isStr && literal(s) && !inQuotes(str, quotes) {
			bad = fmt.Sprintf("%q does not occur in its evidence", clip(str, 80))
		}
		if bad == "" && s.contacts {
			if req.Directory == nil {
				bad = "no directory to resolve the contact"
			} else {
				id, err := resolveContact(ctx, req.Directory, v.(string))
				if err != nil {
					if ctx.Err() != nil {
						return nil, nil, ctx.Err()
					}
					bad = "directory lookup failed: " + clip(err.Error(), 80)
				} else if id == "" {
					bad = fmt.Sprintf("%q names no single contact", clip(v.(string), 80))
				} else {
					v = id
				}
			}
		}
		if bad != "" {
			drops = append(drops, predict.Drop{Field: s.Name, Value: v, Reason: bad})
			continue
		}
		ev := make([]predict.Evidence, 0, len(quotes))
		for _, q := range quotes {
			ev = append(ev, predict.Evidence{MessageID: h.messageID(req.Messages, q), Quote: q})
		}
		out.Predictions[s.Name] = predict.Prediction{Value: v, Confidence: a.Confidence[s.Name], Evidence: ev}
	}
	kept, more := predict.Validate(req, out)
	return kept, append(drops, more...), nil
}
