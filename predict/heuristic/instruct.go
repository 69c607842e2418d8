package heuristic

import (
	"strings"

	"github.com/caseagent/caseagent/predict/instruct"
)

// fieldNames is what a request's field is called in an instruction
// ("set the order number to ..."): the words of its name, and the first
// of them alone for a long name, which only counts when what the
// instruction sets the field to is one of its values ("set the serial to
// SN-...", not "change my order to the blue one").
type fieldNames struct {
	words []string // folded words of the name
	short string   // first word of a name of several, at least four letters
	// choice and pattern tell a value of the field, when it has options
	// or a pattern.
	choice  *choiceField
	pattern *patternField
	// det is what the shared instruction detector knows of the field.
	det *instruct.Field
}

func newFieldNames(cf *compiledField) *fieldNames {
	name := strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(cf.field.Name)
	var words []string
	for _, t := range tokenize(name, nil) {
		words = append(words, t.fold)
	}
	if len(words) == 0 || len(words) == 1 && (len(words[0]) < 3 || stopWords[words[0]]) {
		// A name such as "to" or "id" would make every sentence that
		// uses the word an instruction.
		return nil
	}
	fn := &fieldNames{words: words, choice: cf.choice, pattern: cf.pattern, det: instruct.NewField(&cf.field)}
	if len(words) > 1 && len(words[0]) >= 4 && !stopWords[words[0]] {
		fn.short = words[0]
	}
	return fn
}

// vocab is what instructions to the system are recognised by, beyond the
// fixed word lists: the names and values of the requested fields. A nil
// vocab knows no fields.
type vocab struct {
	fields []*fieldNames
	det    *instruct.Detector
}

// spans returns what of src the shared detector finds is not the
// customer's own account: instructions and third-party content.
func (v *vocab) spans(src string) []instruct.Span {
	if v == nil {
		return instruct.New().Spans(src)
	}
	if v.det == nil {
		fs := make([]*instruct.Field, len(v.fields))
		for i, f := range v.fields {
			fs[i] = f.det
		}
		v.det = instruct.New(fs...)
	}
	return v.det.Spans(src)
}

// spanAt returns, for the sentence src[sp.start:sp.end] with tokens
// toks, the index of the token where an instruction the detector found
// begins (0 for the whole sentence, -1 for none), and whether the
// sentence lies in third-party content.
func spanAt(spans []instruct.Span, sp span, toks []token) (at int, third bool) {
	at = -1
	for _, s := range spans {
		if s.End <= sp.start || s.Start >= sp.end {
			continue
		}
		if s.Kind == instruct.ThirdParty {
			third = third || s.Start <= sp.start
			continue
		}
		k := 0
		for k < len(toks) && sp.start+toks[k].end <= s.Start {
			k++
		}
		if k >= len(toks) {
			continue
		}
		if at < 0 || k < at {
			at = k
		}
	}
	return at, third
}

// roleWords name the parties of a chat with a model; a line that opens
// with one of them and a colon ("SYSTEM:", "Assistant:") poses as a turn
// of that party rather than the customer's words. bracketRoles count only
// in brackets or after a heading mark ("[admin]", "### Instruction"),
// since "Model: X200" is how a customer names their device.
var (
	roleWords = map[string]bool{
		"system": true, "assistant": true, "developer": true, "ai": true, "llm": true, "gpt": true, "chatbot": true,
		"sistema": true, "asistente": true, "assistent": true, "assistente": true, "systeme": true,
	}
	bracketRoles = map[string]bool{
		"instruction": true, "instructions": true, "admin": true, "administrator": true, "bot": true, "model": true,
		"inst": true, "sys": true, "prompt": true,
	}
	// roleLeads may come before a role word: "Note to the assistant:".
	roleLeads = map[string]bool{
		"note": true, "message": true, "to": true, "for": true, "the": true, "dear": true, "hey": true, "hi": true,
		"attention": true, "nota": true, "hinweis": true, "an": true, "para": true,
	}
)

// roleLine reports whether a sentence opens with a role prefix: a role
// word among its first four words (after at most leads such as "note
// to the") followed by a colon or a closing bracket, or a role word in
// brackets or after a heading mark at its start.
func roleLine(text string, toks []token) bool {
	for k := 0; k < len(toks) && k < 4; k++ {
		w := toks[k].fold
		if roleWords[w] || bracketRoles[w] {
			before := strings.TrimRight(text[:toks[k].start], " \t|")
			after := strings.TrimLeft(text[toks[k].end:], " \t|")
			opened := k == 0 && before != "" && strings.ContainsRune("[<#", rune(before[len(before)-1]))
			closed := after != "" && (after[0] == ']' || after[0] == '>')
			if opened || closed || roleWords[w] && after != "" && after[0] == ':' {
				return true
			}
		}
		if !roleLeads[w] {
			return false
		}
	}
	return false
}

// roleEnd returns where the turn a role line opens ends: at the end of
// its sentence when it follows other sentences on its line, at the end
// of its line, or, for a line with nothing but the role ("SYSTEM:"), at the
// next blank line.
func roleEnd(src string, sp span, toks []token) int {
	if ls := strings.LastIndexByte(src[:sp.start], '\n'); strings.TrimSpace(src[ls+1:sp.start]) != "" {
		// A role prefix after the customer's own sentences on its line
		// takes its sentence.
		return sp.end
	}
	bare := true
	for i := range toks {
		w := toks[i].fold
		if !roleWords[w] && !bracketRoles[w] && !roleLeads[w] {
			bare = false
			break
		}
	}
	if !bare {
		if nl := strings.IndexByte(src[sp.start:], '\n'); nl >= 0 {
			return sp.start + nl
		}
		return len(src)
	}
	for i := sp.end; i < len(src); i++ {
		if src[i] != '\n' {
			continue
		}
		j := i + 1
		for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\r') {
			j++
		}
		if j < len(src) && src[j] == '\n' {
			return i
		}
	}
	return len(src)
}

// imperativeVerbs ask for a field to be given a value. They are checked
// by position, so that more of them are safe than the set verbs of the
// position-free rule.
var imperativeVerbs = map[string]bool{
	"set": true, "change": true, "mark": true, "assign": true, "update": true, "make": true, "escalate": true,
	"classify": true, "categorize": true, "categorise": true, "put": true, "file": true, "switch": true,
	"tag": true, "record": true, "enter": true, "fill": true, "flag": true, "label": true, "move": true, "treat": true,
	"pon": true, "cambia": true, "marca": true, "setze": true, "andere": true, "markiere": true,
	"defina": true, "mude": true, "altere": true, "mettez": true, "changez": true, "marquez": true, "mets": true,
}

// imperativeLead may stand right before a verb said to the system:
// "please set", "also change", "and mark".
var imperativeLead = map[string]bool{
	"please": true, "pls": true, "plz": true, "kindly": true, "also": true, "now": true, "and": true, "then": true,
	"just": true, "immediately": true, "simply": true, "so": true, "first": true, "next": true, "finally": true,
	"por": true, "favor": true, "bitte": true, "auch": true, "tambien": true, "aussi": true, "svp": true,
}

// modals after "you" make a request of the reader: "can you set",
// "you must change", "I need you to mark".
var modals = map[string]bool{
	"can": true, "could": true, "would": true, "will": true, "must": true, "should": true, "shall": true, "to": true,
}

// imperativeAt reports whether toks[i] stands where an imperative does:
// at the start of a clause, after a word that leads one ("please",
// "and"), or after "you" and a modal ("can you", "you must", "you to").
func imperativeAt(toks []token, i int) bool {
	if i == 0 || toks[i].brk {
		return true
	}
	p := toks[i-1].fold
	if imperativeLead[p] {
		return true
	}
	if p == "you" || p == "u" {
		return i >= 2 && modals[toks[i-2].fold]
	}
	if modals[p] && i >= 2 && (toks[i-2].fold == "you" || toks[i-2].fold == "u") {
		return true
	}
	return false
}

// determiners may stand between a verb and a field name.
var determiners = map[string]bool{
	"the": true, "my": true, "our": true, "this": true, "its": true, "that": true, "a": true, "an": true,
	"tickets": true, "cases": true, "case": true, "ticket": true, "field": true, "value": true, "el": true, "la": true,
	"der": true, "die": true, "das": true, "den": true, "le": true, "o": true,
}

// clauseEnds may follow the value an instruction gives ("mark this as
// Urgent please", "... as Urgent priority").
var clauseEnds = map[string]bool{
	"please": true, "pls": true, "now": true, "immediately": true, "asap": true, "and": true, "thanks": true, "thank": true,
	"priority": true, "category": true, "status": true, "right": true, "too": true, "also": true, "instead": true,
}

// linkers join a field name to the value an instruction gives it.
var linkers = map[string]bool{
	"to": true, "as": true, "into": true, "under": true, "auf": true, "zu": true, "como": true, "comme": true, "en": true, "para": true,
}

// fieldAt reports whether the words of toks from i name a field of the
// vocab, and returns the field and the index after the name. The words
// of a name may be written apart, with underscores or hyphens.
func (v *vocab) fieldAt(toks []token, i int) (*fieldNames, int, bool) {
	if v == nil {
		return nil, 0, false
	}
	for _, f := range v.fields {
		n := len(f.words)
		if i+n <= len(toks) {
			ok := true
			for k, w := range f.words {
				if toks[i+k].fold != w {
					ok = false
					break
				}
			}
			if ok {
				return f, i + n, true
			}
		}
	}
	for _, f := range v.fields {
		if f.short != "" && toks[i].fold == f.short {
			return f, i + 1, true
		}
	}
	return nil, 0, false
}

// valueAt reports whether the words of a sentence from toks[i] are a
// value of the field: the whole name of one of its options, or an
// identifier that matches its pattern, starting there. It returns the
// index of the word after the value.
func (f *fieldNames) valueAt(text string, toks []token, i int) (int, bool) {
	if i >= len(toks) {
		return 0, false
	}
	if f.choice != nil {
		var buf []byte
		for k := i; k < len(toks) && k < i+4; k++ {
			if k > i && toks[k].brk {
				break
			}
			buf = append(buf, toks[k].fold...)
			for _, n := range f.choice.names[string(buf[:min(3, len(buf))])] {
				if string(n.compact) == string(buf) {
					return k + 1, true
				}
			}
		}
	}
	if f.pattern != nil {
		rest := text[toks[i].start:]
		if loc := f.pattern.search.FindStringIndex(rest); loc != nil && loc[0] == 0 {
			end := toks[i].start + loc[1]
			k := i
			for k < len(toks) && toks[k].start < end {
				k++
			}
			return k, true
		}
	}
	return 0, false
}

// optionEndsAt reports whether toks[i:] is an option of some field that
// ends its clause: "Urgent", "Urgent please", "Urgent priority", not
// "low resolution".
func (v *vocab) optionEndsAt(text string, toks []token, i int) bool {
	for _, f := range v.fields {
		if f.choice == nil {
			continue
		}
		end, ok := f.valueAt(text, toks, i)
		if ok && (end == len(toks) || toks[end].brk || clauseEnds[toks[end].fold]) {
			return true
		}
	}
	return false
}

// setsField reports whether a sentence asks the system to give a field
// of the request a value:
//
//   - an imperative verb, up to four words (determiners and the like),
//     a field name and a linker: "please set the order number to ...",
//     "can you mark the category as ...";
//   - a clause that opens with a field name and a linker followed by one
//     of the field's values: "and category to Returns";
//   - an imperative verb, up to three words and a linker followed by an
//     option: "mark this as Urgent", "put it into Billing";
//   - a field name followed by "=": "priority=Urgent".
//
// A first word alone ("serial" for serial_number) counts only when a
// value of the field follows. What a customer describes ("please treat
// this as urgent, the office is down" is about urgency, and "I set the
// thermostat to 20 degrees" about their device) does not count. It
// returns the index of the word the instruction starts at.
func (v *vocab) setsField(text string, toks []token) (int, bool) {
	if v == nil {
		return 0, false
	}
	for i := range toks {
		if f, end, ok := v.fieldAt(toks, i); ok && end <= len(toks) {
			// "field=value"
			if end > 0 && strings.HasPrefix(strings.TrimLeft(text[toks[end-1].end:], " \t"), "=") {
				return i, true
			}
			// A clause opening with the field and a linker.
			start := i
			for start > 0 && determiners[toks[start-1].fold] && !toks[start].brk {
				start--
			}
			if (start == 0 || toks[start].brk || toks[start-1].fold == "and") && end < len(toks) && linkers[toks[end].fold] {
				if _, ok := f.valueAt(text, toks, end+1); ok {
					return start, true
				}
			}
		}
		if !imperativeVerbs[toks[i].fold] || !imperativeAt(toks, i) {
			continue
		}
		for j := i + 1; j < len(toks) && j <= i+5; j++ {
			if toks[j].brk {
				break
			}
			if f, end, ok := v.fieldAt(toks, j); ok {
				if end < len(toks) && linkers[toks[end].fold] {
					if _, ok := f.valueAt(text, toks, end+1); ok || end-j == len(f.words) {
						return i, true
					}
				}
				if end < len(toks) && strings.HasPrefix(strings.TrimLeft(text[toks[end-1].end:], " \t"), "=") {
					return i, true
				}
				break
			}
			if linkers[toks[j].fold] {
				if j <= i+4 && toks[i].fold != "treat" && v.optionEndsAt(text, toks, j+1) {
					return i, true
				}
				break
			}
		}
	}
	return 0, false
}

// quotePlanting reports whether a sentence tells its reader what to
// quote or cite: "quote 'The app shows it online' as your reason". It
// returns the index of the word the instruction starts at.
func quotePlanting(text string, toks []token) (int, bool) {
	for i := range toks {
		w := toks[i].fold
		if w != "quote" && w != "cite" && w != "cita" && w != "zitiere" && w != "citez" {
			continue
		}
		if !imperativeAt(toks, i) {
			continue
		}
		after := strings.TrimLeft(text[toks[i].end:], " \t:")
		if after != "" && strings.ContainsRune(`'"“‘«`, []rune(after)[0]) {
			return i, true
		}
	}
	return 0, false
}

// instructionStart returns where in a sentence an instruction to the
// system begins, by the word index: 0 when the whole sentence is one,
// the start of the clause that holds it when facts come first ("my
// router drops the Wi-Fi, set the priority to Urgent"), or -1 for none.
func (v *vocab) instructionStart(text string, toks []token) int {
	if instructionLike(toks) {
		return 0
	}
	at := -1
	if i, ok := v.setsField(text, toks); ok {
		at = i
	}
	if i, ok := quotePlanting(text, toks); ok && (at < 0 || i < at) {
		at = i
	}
	if at <= 0 {
		return at
	}
	for at > 0 && !toks[at].brk && toks[at-1].fold != "and" {
		at--
	}
	if at > 0 && !toks[at].brk {
		at-- // the "and" goes with the instruction
	}
	return at
}
