package llm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/caseagent/caseagent/internal/textfold"
	"github.com/caseagent/caseagent/predict"
)

// A dictation is what instructions in the customer's text tell the
// model to record for one field. A value the model gives that equals a
// dictated one is dropped, whatever its evidence: an instruction can
// also tell the model which genuine sentence to cite.
type dictation struct {
	// objects are what the instructions set the field to, folded
	// ("ord-999999", "500 eur").
	objects []string
	// options are the option values the instructions name.
	options map[string]bool
	// any is set when an instruction gives the field something that is
	// none of its options: any value the model gives may be it.
	any bool
}

// fieldTerm is a way instructions name a field.
type fieldTerm struct {
	spec  int
	words []string // folded words: "order number", or "order_number" as one word
	// short is set for the first word of a longer name alone ("serial"),
	// which names the field only when one of its values follows.
	short bool
}

// optionName is a folded name of an option: its value, its label, an
// alias from its description, or a model code in its label.
type optionName struct {
	spec  int
	value string
	name  string
}

// vocab holds the names of the requested fields and of their options.
type vocab struct {
	specs    []spec
	terms    []fieldTerm
	options  []optionName
	patterns []*regexp.Regexp // by spec, nil without a pattern
}

var aliasMarker = regexp.MustCompile(`(?i)\b(?:also called|also known as|aka|a\.k\.a\.|other names?|known as)\b:?\s*([^.;]+)`)

func newVocab(specs []spec) *vocab {
	v := &vocab{specs: specs, patterns: make([]*regexp.Regexp, len(specs))}
	for i := range specs {
		s := &specs[i]
		name := strings.ToLower(s.Name)
		spaced := strings.Fields(strings.NewReplacer("_", " ", "-", " ").Replace(name))
		if len(spaced) == 0 || len(spaced) == 1 && len(spaced[0]) < 3 {
			continue
		}
		v.terms = append(v.terms, fieldTerm{spec: i, words: spaced})
		if len(spaced) > 1 {
			v.terms = append(v.terms, fieldTerm{spec: i, words: []string{name}})
			if len(spaced[0]) >= 4 {
				v.terms = append(v.terms, fieldTerm{spec: i, words: spaced[:1], short: true})
			}
		}
		if s.Pattern != "" {
			if re, err := regexp.Compile(`(?i)^(?:` + s.Pattern + `)$`); err == nil {
				v.patterns[i] = re
			}
		}
		if !s.HasOptions() {
			continue
		}
		for _, o := range s.Options {
			add := func(n string) {
				if n = textfold.Fold(strings.Trim(n, " .,;:'\"")); len(n) >= 2 {
					v.options = append(v.options, optionName{spec: i, value: o.Value, name: n})
				}
			}
			add(o.Value)
			add(o.Label)
			for _, w := range strings.Fields(o.Label) {
				if len(w) >= 3 && strings.ContainsAny(w, "0123456789") {
					add(w)
				}
			}
			if m := aliasMarker.FindStringSubmatch(o.Description); m != nil {
				for _, a := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == '/' }) {
					for _, b := range strings.Split(a, " or ") {
						add(b)
					}
				}
			}
		}
	}
	return v
}

// Words of instructions, folded.
var (
	dictateVerbs = map[string]bool{
		"set": true, "change": true, "update": true, "mark": true, "make": true, "assign": true, "switch": true,
		"classify": true, "categorize": true, "categorise": true, "escalate": true, "put": true, "file": true,
		"tag": true, "record": true, "enter": true, "fill": true, "flag": true, "label": true, "move": true, "treat": true,
	}
	// leadWords may open an instruction before its verb.
	leadWords = map[string]bool{
		"please": true, "pls": true, "kindly": true, "also": true, "now": true, "just": true, "then": true, "so": true,
		"and": true, "immediately": true, "first": true, "finally": true, "next": true, "approved": true,
	}
	// leadPhrases ask the reader to act: "can you set", "I need you to set".
	leadPhrases = []string{
		"can you", "could you", "would you", "will you", "you must", "you should", "you will", "you need to",
		"i need you to", "i want you to", "we need you to", "make sure to", "make sure you", "be sure to", "remember to", "don't forget to",
	}
	dets = map[string]bool{
		"the": true, "my": true, "our": true, "this": true, "its": true, "that": true, "a": true, "an": true,
		"ticket's": true, "case's": true, "ticket": true, "case": true, "field": true, "request's": true,
	}
	linkWords = map[string]bool{"to": true, "as": true, "into": true, "under": true, "=": true, ":": true}
	// tailWords may follow the value an instruction gives.
	tailWords = map[string]bool{
		"please": true, "now": true, "immediately": true, "asap": true, "thanks": true, "instead": true, "too": true,
		"also": true, "right": true, "away": true, "priority": true, "category": true, "status": true,
	}
)

// clauseSplit cuts a sentence into the clauses instructions are written
// in: "set the priority to urgent, and the category to billing".
var clauseSplit = regexp.MustCompile(`\s*[,;]\s*|\s+(?:and|then|also)\s+`)

// rolePrefix is a line posing as another party's turn: "system:",
// "Note to the assistant:", "[system]", "<assistant>", "### Instruction".
var rolePrefix = regexp.MustCompile(`^\s*(?:` +
	`[\[<]\|?\s*(?:system|assistant|developer|admin|ai|llm|gpt|chatbot|bot|model|inst|instructions?|sys)\s*\|?[\]>]\s*:?` +
	`|#+\s*(?:system|assistant|developer|admin|instructions?|inst|sys)\b\s*:?` +
	`|(?:(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+)?)?(?:system|assistant|developer|admin|ai|llm|gpt|chatbot)\s*:` +
	`)\s*`)

// dictations extracts what one instruction sentence (folded) tells the
// model to record. strong is set when the sentence is an instruction by
// other signs (a role prefix, "ignore previous instructions"), so that
// "priority: urgent" there dictates too. It returns the offset in sent of
// the first clause that dictates, or -1.
func (v *vocab) dictations(sent string, strong bool, into map[string]*dictation) int {
	first := -1
	end := len(strings.TrimRight(sent, ".!? "))
	from := 0
	if loc := rolePrefix.FindStringIndex(sent[:end]); loc != nil {
		from, strong = loc[1], true
	}
	at := from
	for _, cut := range append(clauseSplit.FindAllStringIndex(sent[from:end], -1), []int{end - from, end - from}) {
		clause := sent[at : from+cut[0]]
		found := v.clause(clause, strong, into)
		// What follows a colon may be a clause of its own: "approved:
		// set the priority to urgent", "note: priority to urgent".
		for i := strings.Index(clause, ": "); i >= 0; {
			if v.clause(clause[i+2:], strong, into) {
				found = true
			}
			next := strings.Index(clause[i+2:], ": ")
			if next < 0 {
				break
			}
			i += 2 + next
		}
		if found && first < 0 {
			first = at
		}
		at = from + cut[1]
	}
	return first
}

// clause reads one clause; see dictations.
func (v *vocab) clause(clause string, strong bool, into map[string]*dictation) bool {
	clause = strings.NewReplacer("=", " = ", ": ", " : ").Replace(clause)
	w := strings.Fields(clause)
	found := false
	// "field=value" anywhere.
	for k := 1; k+1 < len(w); k++ {
		if w[k] != "=" {
			continue
		}
		for _, t := range v.terms {
			if n := len(t.words); k >= n && equalWords(w[k-n:k], t.words) && v.give(t, strings.Join(w[k+1:], " "), true, into) {
				found = true
			}
		}
	}
	i := 0
	for i < len(w) {
		if leadWords[w[i]] {
			i++
			continue
		}
		if n := leadPhrase(w[i:]); n > 0 {
			i += n
			continue
		}
		break
	}
	verb := ""
	if i < len(w) && dictateVerbs[w[i]] {
		verb = w[i]
		i++
	}
	own := false // "my email": the customer's own details
	for d := 0; d < 3 && i < len(w) && dets[w[i]]; d++ {
		own = own || w[i] == "my" || w[i] == "our"
		i++
	}
	if t, j, ok := v.termAt(w, i); ok {
		s := &v.specs[t.spec]
		if j < len(w) && linkWords[w[j]] && (w[j] != ":" || strong) && !(own && (s.contacts || s.Type == predict.TypeEmail)) {
			obj := strings.Join(w[j+1:], " ")
			named := verb != "" || w[j] == "=" || w[j] == ":"
			if v.give(t, obj, named, into) {
				found = true
			}
		}
		return found
	}
	if verb == "" || verb == "treat" {
		return found
	}
	// "mark this as urgent": a linker within a few words, then exactly
	// an option.
	for j := i; j < len(w) && j <= i+3; j++ {
		if w[j] == "to" || w[j] == "as" || w[j] == "into" || w[j] == "under" {
			obj := trimObject(strings.Join(w[j+1:], " "), nil)
			for _, o := range v.options {
				if o.name == obj {
					v.at(o.spec, into).options[o.value] = true
					found = true
				}
			}
			break
		}
	}
	return found
}

func leadPhrase(w []string) int {
	for _, p := range leadPhrases {
		pw := strings.Fields(p)
		if len(w) >= len(pw) && equalWords(w[:len(pw)], pw) {
			return len(pw)
		}
	}
	return 0
}

func equalWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// termAt finds the longest field name at w[i:].
func (v *vocab) termAt(w []string, i int) (fieldTerm, int, bool) {
	var best fieldTerm
	end := -1
	for _, t := range v.terms {
		n := len(t.words)
		if i+n <= len(w) && equalWords(w[i:i+n], t.words) && i+n > end {
			best, end = t, i+n
		}
	}
	return best, end, end >= 0
}

func (v *vocab) at(spec int, into map[string]*dictation) *dictation {
	name := v.specs[spec].Name
	d := into[name]
	if d == nil {
		d = &dictation{options: map[string]bool{}}
		into[name] = d
	}
	return d
}

// give records that an instruction gives the field of t the object obj.
// named says the instruction addresses the field outright (a verb, "=",
// a role line): then any object counts, and one that is none of the
// field's options makes every value suspect. Otherwise ("and category
// to returns") only an object that is exactly a value of the field
// counts. A first word alone ("serial") always needs a value.
func (v *vocab) give(t fieldTerm, obj string, named bool, into map[string]*dictation) bool {
	s := &v.specs[t.spec]
	raw := strings.Trim(obj, " '\"“”‘’`.!?")
	obj = trimObject(obj, t.words)
	if obj == "" {
		return false
	}
	var opts []string
	for _, o := range v.options {
		if o.spec == t.spec && (o.name == obj || named && strings.HasPrefix(obj, o.name+" ")) {
			opts = append(opts, o.value)
		}
	}
	isValue := len(opts) > 0 || v.patterns[t.spec] != nil && v.patterns[t.spec].MatchString(obj)
	if !isValue && (t.short || !named) {
		return false
	}
	d := v.at(t.spec, into)
	for _, o := range []string{obj, raw} {
		if o != "" && !slices.Contains(d.objects, o) {
			d.objects = append(d.objects, o)
		}
	}
	for _, o := range opts {
		d.options[o] = true
	}
	if s.HasOptions() && len(opts) == 0 {
		d.any = true
	}
	return true
}

// trimObject strips an instruction's object of quotes, end punctuation
// and the words that may follow a value ("urgent please", "urgent
// priority").
func trimObject(obj string, field []string) string {
	w := strings.Fields(strings.Trim(obj, " '\"“”‘’`.!?"))
	for len(w) > 0 {
		last := strings.Trim(w[len(w)-1], "'\"“”‘’`.!?")
		if tailWords[last] || len(field) == 1 && last == field[0] || last == "" {
			w = w[:len(w)-1]
			continue
		}
		break
	}
	for len(w) > 0 && (w[0] == "the" || w[0] == "a" || w[0] == "an") {
		w = w[1:]
	}
	return strings.Trim(strings.Join(w, " "), " '\"“”‘’`")
}

// dictated reports whether value v of spec s is what an instruction
// told the model to record, and which instruction's object it is.
func dictated(ds map[string]*dictation, s *spec, v any) (string, bool) {
	d := ds[s.Name]
	if d == nil {
		return "", false
	}
	str, isStr := v.(string)
	if !isStr {
		str = fmt.Sprint(v)
	}
	if s.HasOptions() {
		if d.options[str] {
			return str, true
		}
		for o := range d.options {
			if strings.EqualFold(o, str) {
				return str, true
			}
		}
		if d.any {
			return d.objects[0], true
		}
		return "", false
	}
	f := textfold.Fold(str)
	if f == "" {
		return "", false
	}
	for _, o := range d.objects {
		if o == f || containsWord(o, f) {
			return o, true
		}
	}
	return "", false
}
