package instruct

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/caseagent/caseagent/internal/textfold"
	"github.com/caseagent/caseagent/predict"
)

// Kind says why a span of text is not the customer's own account.
type Kind uint8

const (
	// Instruction is text addressed to the system rather than a
	// description of the customer's situation: an order to set, change or
	// ignore something, a line posing as another party's turn
	// ("SYSTEM: ..."), a note to the assistant or the ticketing system,
	// and a third party's record of a field of the request ("Priority:
	// Urgent" in a forwarded message). It is never evidence for any field
	// and never counts towards a classification.
	Instruction Kind = 1 + iota
	// ThirdParty is text the customer passes on rather than writes: a
	// forwarded message, quoted history. It may name what the customer
	// writes about (an order, a product), but it is not the customer's
	// account: it does not count towards a classification, and its label
	// lines are no evidence (they are reported as Instruction spans).
	ThirdParty
)

func (k Kind) String() string {
	switch k {
	case Instruction:
		return "instruction"
	case ThirdParty:
		return "third-party"
	}
	return "unknown"
}

// Span is a range of a text, in byte offsets, that is not the customer's
// own account.
type Span struct {
	Start, End int
	Kind       Kind
	// Values are, for an Instruction, the values of the request's fields
	// it names: options by their value, label or other names, and
	// identifiers that match a field's pattern. A value a predictor gives
	// that is one of them was dictated, whatever its evidence.
	Values []Value
	// From is, for a ThirdParty span that opens with a forwarded
	// message's header block, the email address of its From line, as
	// written: a sender who forwards their own earlier message passes on
	// their own account.
	From string
}

// Value is a value of a field.
type Value struct {
	Field string
	Value string
}

// Field is what the detector knows of one field of a request: how
// instructions name it and its values. Build it once per field with
// NewField and reuse it; a Field is immutable and safe for concurrent
// use.
type Field struct {
	name    string
	names   [][]string // folded word sequences that name the field
	short   string     // first word of a long name, which names the field only before a value
	options []option
	// pattern finds the field's identifiers, prefix one at the start of
	// a text.
	pattern, prefix *regexp.Regexp
}

type option struct {
	words []string
	value string
}

var aliasMarker = regexp.MustCompile(`(?i)\b(?:also called|also known as|aka|other names?|known as)\b:?\s*([^.;]+)`)

// NewField reads a field of a request: its name (and the common names
// of helpdesk fields in the supported languages), its options with their
// labels and the other names their descriptions give ("Also called
// X200, X-200"), and its pattern. A pattern that does not compile is
// left out.
func NewField(f *predict.Field) *Field {
	fd := &Field{name: f.Name}
	name := strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(f.Name)
	ws := words(name)
	if len(ws) > 0 && !(len(ws) == 1 && len(ws[0]) < 3) {
		fd.names = append(fd.names, ws)
		if len(ws) > 1 && len(ws[0]) >= 4 {
			fd.short = ws[0]
		}
		for _, t := range fieldNamesByLanguage[strings.Join(ws, " ")] {
			fd.names = append(fd.names, strings.Fields(t))
		}
	}
	if f.Pattern != "" {
		re, err := regexp.Compile(`\b(?:` + f.Pattern + `)\b`)
		pre, perr := regexp.Compile(`^(?:` + f.Pattern + `)\b`)
		if err == nil && perr == nil {
			fd.pattern, fd.prefix = re, pre
		}
	}
	if f.HasOptions() {
		for _, o := range f.Options {
			add := func(n string) {
				if w := words(n); len(w) > 0 && len(strings.Join(w, "")) >= 2 {
					fd.options = append(fd.options, option{words: w, value: o.Value})
				}
			}
			add(o.Value)
			add(o.Label)
			if m := aliasMarker.FindStringSubmatch(o.Description); m != nil {
				for _, a := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == '/' }) {
					for _, b := range strings.Split(a, " or ") {
						add(b)
					}
				}
			}
		}
	}
	return fd
}

func words(s string) []string {
	var out []string
	for _, t := range tokenize(s, nil) {
		out = append(out, t.w)
	}
	return out
}

// Detector finds, in a customer's text, what is not the customer's own
// account: instructions to the system in any supported language, and
// third-party content. It is immutable and safe for concurrent use.
type Detector struct {
	fields []*Field
	// first holds the first words of the fields' names, to pass over
	// the words that begin none; kinds says which lists a word is on
	// (wordKinds) and which words begin a field's name (kName) or an
	// option's (kValue), so that a line is read with one lookup a word.
	first map[string]bool
	kinds map[string]kind
}

// New returns a detector that knows the given fields.
func New(fields ...*Field) *Detector {
	d := &Detector{first: map[string]bool{}, kinds: maps.Clone(wordKinds)}
	for _, f := range fields {
		if f == nil {
			continue
		}
		d.fields = append(d.fields, f)
		for _, n := range f.names {
			d.first[n[0]] = true
			d.kinds[n[0]] |= kName
		}
		if f.short != "" {
			d.first[f.short] = true
			d.kinds[f.short] |= kName
		}
		for _, o := range f.options {
			d.kinds[o.words[0]] |= kValue
		}
	}
	return d
}

// ForFields returns a detector for the fields of a request.
func ForFields(fields []predict.Field) *Detector {
	fs := make([]*Field, len(fields))
	for i := range fields {
		fs[i] = NewField(&fields[i])
	}
	return New(fs...)
}

// Spans returns the spans of text that are not the customer's own
// account, ordered by start: Instruction spans (which may lie within a
// ThirdParty span) and ThirdParty spans.
func (d *Detector) Spans(text string) []Span {
	var out []Span
	third := -1 // where a forwarded block starts
	turn := false
	var toks []token
	var buf []byte
	for ls := 0; ls < len(text); {
		le := strings.IndexByte(text[ls:], '\n')
		if le < 0 {
			le = len(text)
		} else {
			le += ls
		}
		line := text[ls:le]
		start := ls
		ls = le + 1
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			turn = false
			continue
		}
		if third < 0 && forwardStart(text, start, trimmed) {
			third = start
		}
		quoted := trimmed[0] == '>'
		if quoted && third < 0 {
			out = append(out, Span{Start: start, End: start + len(line), Kind: ThirdParty})
		}
		if !turn && !d.mayHold(line, third >= 0 || quoted) {
			continue
		}
		if toks == nil {
			// Sized once for the text, not grown line by line.
			toks, buf = make([]token, 0, len(text)/4+4), make([]byte, 0, len(text)+16)
		}
		toks, buf = tokenizeInto(line, toks, buf)
		if len(toks) == 0 {
			continue
		}
		if turn {
			out = append(out, d.instruction(text, start, start+len(line)))
			continue
		}
		if role, bare := roleLine(line, toks); role {
			out = append(out, d.instruction(text, start, start+len(line)))
			turn = bare
			continue
		}
		if (third >= 0 || quoted) && d.labelLine(line, toks) {
			// A third party's record of a field is no evidence, and the
			// options it names are dictated; its identifiers may still
			// be what the customer writes about ("Order: ORD-...").
			sp := d.instruction(text, start, start+len(line))
			sp.Values = slices.DeleteFunc(sp.Values, func(v Value) bool { return d.field(v.Field).pattern != nil })
			out = append(out, sp)
			continue
		}
		if !d.hot(toks) {
			continue
		}
		ti := 0
		for k, s := range sentences(line) {
			// A sentence's first word follows a clause break (its
			// full stop, or the start of the line), and offsets stay
			// the line's.
			a := ti
			for ti < len(toks) && toks[ti].start < s.end {
				ti++
			}
			st := toks[a:ti]
			if len(st) == 0 {
				continue
			}
			sl := line[:s.end]
			if role, _ := roleLine(sl, st); role && k > 0 {
				// A role prefix after the customer's own sentences takes
				// its sentence.
				out = append(out, d.instruction(text, start+st[0].start, start+s.end))
				continue
			}
			if at := d.sentenceAt(sl, st); at >= 0 {
				out = append(out, d.instruction(text, start+at, start+s.end))
			}
		}
	}
	if third >= 0 {
		out = append(out, Span{Start: third, End: len(text), Kind: ThirdParty, From: forwardedFrom(text[third:])})
	}
	slices.SortStableFunc(out, func(a, b Span) int { return a.Start - b.Start })
	return out
}

// mayHold reports, without tokenizing the line, whether it holds what
// some rule needs: an addressee or a role (role prefixes); an override
// and what it drops; a quote verb and a quotation mark; an order and a
// field's name or a value; a field's name followed within a few words by
// a linker ("and category to Returns"), or with "=" or (in third-party
// content, label lines) ":" in the line.
func (d *Detector) mayHold(line string, third bool) bool {
	var w [64]byte // the previous word, a space, the word
	pn, n := 0, 0  // the previous word is w[:pn], the word w[pn+1:pn+1+n]
	long := false
	field := 0 // words left in which a linker follows a field's name
	var all kind
	pair := false // the previous word begins an injection phrase of two words or more
	marks := strings.ContainsRune(line, '=') || third && strings.ContainsRune(line, ':')
	for i := 0; i <= len(line); {
		r, size := utf8.RuneError, 1
		if i < len(line) {
			if c := line[i]; c < utf8.RuneSelf {
				r = rune(c)
			} else {
				r, size = utf8.DecodeRuneInString(line[i:])
			}
		}
		if i < len(line) && isWordRune(r) {
			i += size
			f := textfold.Rune(r)
			if f == 0 {
				f = 's' // ß and the ligatures: no listed word has them
			}
			if f >= utf8.RuneSelf || pn+1+n == len(w) {
				long = true
				continue
			}
			w[pn+1+n] = byte(f)
			n++
			continue
		}
		i += size
		if n == 0 {
			continue
		}
		if !long {
			word := w[pn+1 : pn+1+n]
			k := d.kinds[string(word)]
			if k&kStrong != 0 || pn > 0 && pair && phrasePairs[string(w[:pn+1+n])] {
				return true
			}
			all |= k
			switch {
			case k&kName != 0:
				if marks {
					return true
				}
				field = 4
			case field > 0 && k&kLinker != 0:
				return true
			default:
				field--
			}
			if n > 24 {
				pn = 0 // no phrase begins with so long a word
			} else {
				pn = copy(w[:], word)
				w[pn] = ' '
			}
			pair = k&kPairFirst != 0
		} else {
			pn, field = 0, field-1
		}
		n, long = 0, false
	}
	return all&kOrder != 0 && all&(kName|kValue) != 0 || all&kOverride != 0 && all&kObject != 0 ||
		all&kQuote != 0 && strings.ContainsAny(line, `'"“‘«„`)
}

// hot reports whether a line holds a word an instruction needs: an
// addressee or a role, an order, an override, a quote verb, the first
// word of an injection phrase, or a field's name.
func (d *Detector) hot(toks []token) bool {
	for i := range toks {
		if d.kinds[toks[i].w]&(kStrong|kOrder|kOverride|kQuote|kPhraseFirst|kName) != 0 {
			return true
		}
	}
	return false
}

// Sentence returns where in one sentence an instruction to the system
// begins (a byte offset: 0 when the whole sentence is one, the start of
// its clause when facts come first), or -1 when it holds none.
func (d *Detector) Sentence(s string) int {
	toks := tokenize(s, nil)
	if len(toks) == 0 {
		return -1
	}
	if role, _ := roleLine(s, toks); role {
		return 0
	}
	return d.sentenceAt(s, toks)
}

func (d *Detector) field(name string) *Field {
	for _, f := range d.fields {
		if f.name == name {
			return f
		}
	}
	return &Field{}
}

// instruction returns the Instruction span text[from:to] with the values
// it names.
func (d *Detector) instruction(text string, from, to int) Span {
	sp := Span{Start: from, End: to, Kind: Instruction}
	s := text[from:to]
	toks := tokenize(s, nil)
	for _, f := range d.fields {
		for i := range toks {
			if v, _, ok := f.optionAt(toks, i); ok && !slices.Contains(sp.Values, Value{f.name, v}) {
				sp.Values = append(sp.Values, Value{f.name, v})
			}
		}
		if f.pattern != nil {
			for _, m := range f.pattern.FindAllString(s, -1) {
				if !slices.Contains(sp.Values, Value{f.name, m}) {
					sp.Values = append(sp.Values, Value{f.name, m})
				}
			}
		}
	}
	return sp
}

// roleLine reports whether a line opens by addressing the system: a
// role prefix ("SYSTEM:", "Note for the ticketing system:", "Anweisung an
// den Assistenten:", "Chère IA, ..."), or a role in brackets or after a
// heading mark ("[system]", "<assistant>", "### Instruction"). bare is
// set when the line holds nothing but the prefix: the turn it opens
// lasts to the next blank line.
func roleLine(line string, toks []token) (role, bare bool) {
	for k := 0; k < len(toks) && k < 8; k++ {
		w := toks[k].w
		if addressees[w] || bracketRoles[w] {
			before := strings.TrimRight(line[:toks[k].start], " \t|")
			end := k
			for end+1 < len(toks) && !toks[end+1].brk && addresseeTails[toks[end+1].w] {
				end++
			}
			after := strings.TrimLeft(line[toks[end].end:], " \t|")
			opened := before != "" && strings.ContainsRune("[<#", rune(before[len(before)-1]))
			closed := after != "" && (after[0] == ']' || after[0] == '>')
			if opened && k <= 1 || closed && (opened || k == 0) {
				return true, end+1 == len(toks)
			}
			if addressees[w] && k > 0 && roleLeads[toks[0].w] && !isSalutation(toks[0].w) {
				// "To the AI reading this:": a few words of its own
				// before the colon.
				for j := end + 1; j < len(toks) && j <= end+3 && !toks[j].brk; j++ {
					if rest := strings.TrimLeft(line[toks[j].end:], " \t"); strings.HasPrefix(rest, ":") {
						return true, j+1 == len(toks)
					}
				}
			}
			if addressees[w] && after != "" {
				switch after[0] {
				case ':':
					return true, end+1 == len(toks)
				case ',':
					// A vocative: "AI, disregard ...", "Sistema, esqueça
					// ...": the next word must be an order.
					if end+1 < len(toks) && (overrideVerbs[toks[end+1].w] || setVerbs[toks[end+1].w] || leads[toks[end+1].w]) {
						return true, false
					}
					if k > 0 && roleLeads[toks[0].w] && isSalutation(toks[0].w) {
						return true, false
					}
				}
			}
		}
		if !roleLeads[w] && !(k < 2 && machineAhead(toks, k)) || toks[k].brk && k > 0 {
			return false, false
		}
	}
	return false, false
}

// machineAhead reports whether a machine addressee follows toks[k]
// within its clause, a word or two on: "Automated triage bot".
func machineAhead(toks []token, k int) bool {
	for j := k + 1; j < len(toks) && j <= k+2; j++ {
		if toks[j].brk {
			return false
		}
		if machineAddressees[toks[j].w] {
			return true
		}
	}
	return false
}

// isSalutation reports the words that open a letter to someone ("Dear
// AI,", "Liebe KI,").
func isSalutation(w string) bool {
	switch w {
	case "dear", "hey", "hi", "hello", "querido", "querida", "estimado", "estimada", "hola", "liebe", "lieber", "hallo",
		"caro", "cara", "prezado", "prezada", "ola", "cher", "chere", "bonjour", "gentile", "ciao", "beste", "hoi":
		return true
	}
	return false
}

// labelLine reports a line that records a field of the request: a name
// of the field, a colon and something after it ("Priority: Urgent",
// "Seriennummer: SN-...").
func (d *Detector) labelLine(line string, toks []token) bool {
	if !d.first[toks[0].w] {
		return false
	}
	for _, f := range d.fields {
		end, ok := f.nameAt(toks, 0)
		short := !ok && f.short != "" && toks[0].w == f.short
		if short {
			end = 1
		} else if !ok {
			continue
		}
		rest := strings.TrimLeft(line[toks[end-1].end:], " \t")
		if !strings.HasPrefix(rest, ":") || strings.TrimSpace(rest[1:]) == "" {
			continue
		}
		if _, isValue := f.valueAt(line, toks, end); !short || isValue {
			return true
		}
	}
	return false
}

// forwardStart reports whether the line at start opens a forwarded
// message: a separator ("---------- Forwarded message ---------",
// "Begin forwarded message:", and their translations), or a header
// block ("From: ..." followed by at least two more header lines).
func forwardStart(text string, start int, trimmed string) bool {
	if !strings.HasSuffix(trimmed, ":") && !strings.ContainsAny(trimmed[:1], "-_=*>") && !strings.Contains(trimmed[:min(len(trimmed), 20)], ":") {
		return false
	}
	if forwardSeparator.MatchString(trimmed) {
		return true
	}
	if !headerFrom.MatchString(trimmed) {
		return false
	}
	n := 0
	rest := text[start:]
	for i := 0; i <= 6; i++ {
		nl := strings.IndexByte(rest, '\n')
		if nl < 0 {
			break
		}
		rest = rest[nl+1:]
		l := rest
		if e := strings.IndexByte(l, '\n'); e >= 0 {
			l = l[:e]
		}
		l = strings.TrimSpace(l)
		if l == "" {
			break
		}
		if headerField.MatchString(l) {
			n++
		}
	}
	return n >= 2
}

// Own returns spans without the ThirdParty spans that forward the
// sender's own mail: a forwarded message whose From line is the sender's
// address (in any letter case) is the sender's own account, to be read
// as their words. The Instruction spans inside it stay. spans is
// filtered in place.
func Own(spans []Span, sender string) []Span {
	if sender == "" {
		return spans
	}
	return slices.DeleteFunc(spans, func(s Span) bool {
		return s.Kind == ThirdParty && strings.EqualFold(s.From, sender)
	})
}

// forwardedFrom returns the address of the From line in the first lines
// of a forwarded message, or "".
func forwardedFrom(text string) string {
	for i := 0; i < 8 && text != ""; i++ {
		line := text
		if nl := strings.IndexByte(text, '\n'); nl >= 0 {
			line, text = text[:nl], text[nl+1:]
		} else {
			text = ""
		}
		line = strings.TrimSpace(line)
		if headerFrom.MatchString(line) {
			return emailAddress.FindString(line)
		}
	}
	return ""
}

var (
	emailAddress     = regexp.MustCompile(`[^\s<>"'()\[\],;:]+@[^\s<>"'()\[\],;:]+\.[^\s<>"'()\[\],;:]+`)
	forwardSeparator = regexp.MustCompile(`(?i)^(?:[-_=*>]{2,}\s*(?:forwarded message|original message|weitergeleitete nachricht|urspr[üu]ngliche nachricht|mensaje reenviado|mensaje original|mensagem encaminhada|mensagem reencaminhada|mensagem original|message transf[ée]r[ée]|message r[ée]exp[ée]di[ée]|message d'origine|messaggio inoltrato|messaggio originale|doorgestuurd bericht|oorspronkelijk bericht)\s*[-_=*<]{2,}|(?:begin forwarded message|anfang der weitergeleiteten nachricht|inicio del mensaje reenviado|d[ée]but du message (?:transf[ée]r[ée]|r[ée]exp[ée]di[ée])|in[íi]cio da mensagem (?:re)?encaminhada|inizio messaggio inoltrato|begin doorgestuurd bericht)\s*:)$`)
	headerFrom       = regexp.MustCompile(`(?i)^\*?(?:from|von|de|da|van|exp[ée]diteur|remitente)\s*\*?\s*:\s*\S`)
	headerField      = regexp.MustCompile(`(?i)^\*?(?:sent|date|to|cc|subject|gesendet|datum|an|betreff|envoy[ée]|[àa]|objet|enviado|fecha|para|asunto|assunto|data|inviato|oggetto|verzonden|aan|onderwerp)\s*\*?\s*:`)
)

// nameAt reports whether toks[i:] opens with a name of the field, and
// returns the index after it.
func (f *Field) nameAt(toks []token, i int) (int, bool) {
	best := -1
	for _, n := range f.names {
		if i+len(n) <= len(toks) && i+len(n) > best {
			ok := true
			for k, w := range n {
				if toks[i+k].w != w || k > 0 && toks[i+k].brk {
					ok = false
					break
				}
			}
			if ok {
				best = i + len(n)
			}
		}
	}
	return best, best >= 0
}

// optionAt reports whether toks[i:] opens with the name of an option of
// the field, and returns the option's value and the index after it.
func (f *Field) optionAt(toks []token, i int) (string, int, bool) {
	best, value := -1, ""
	for _, o := range f.options {
		n := len(o.words)
		if i+n > len(toks) || i+n <= best {
			continue
		}
		ok := true
		for k, w := range o.words {
			if toks[i+k].w != w || k > 0 && toks[i+k].brk {
				ok = false
				break
			}
		}
		if ok {
			best, value = i+n, o.value
		}
	}
	return value, best, best >= 0
}

// valueAt reports whether a value of the field (an option, or an
// identifier its pattern matches) starts at toks[i], and returns the
// index after it.
func (f *Field) valueAt(s string, toks []token, i int) (int, bool) {
	if i >= len(toks) {
		return 0, false
	}
	if _, end, ok := f.optionAt(toks, i); ok {
		return end, true
	}
	if f.prefix != nil {
		if loc := f.prefix.FindStringIndex(s[toks[i].start:]); loc != nil {
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

// clauseEnd returns the index after the last token of the clause that
// toks[i] is in.
func clauseEnd(toks []token, i int) int {
	for j := i + 1; j < len(toks) && j <= i+24; j++ {
		if toks[j].brk {
			return j
		}
	}
	return min(len(toks), i+25)
}

// clauseStart returns the index of the first token of the clause that
// toks[i] is in, with a joining "and" before it.
func clauseStart(toks []token, i int) int {
	// A clause longer than this is no sentence a person writes: the
	// instruction starts at its word.
	const longest = 24
	for j := i; j > 0 && j > i-longest; j-- {
		if toks[j].brk {
			return j
		}
	}
	if i < longest {
		return 0
	}
	return i
}

// imperativeAt reports whether toks[i] stands where an order does: not
// after a pronoun ("I set", "wir haben geändert"), and with nothing but
// leads ("please", "bitte", "and") before it in its clause, or "you"
// and a modal ("can you set"), or last in a clause whose verb comes last
// ("die Priorität auf Urgent setzen").
func imperativeAt(toks []token, i int) bool {
	if i > 0 && pronouns[toks[i-1].w] && !toks[i].brk {
		if toks[i-1].w == "you" || toks[i-1].w == "u" {
			return i >= 2 && modal(toks[i-2].w)
		}
		return false
	}
	for j := i; ; j-- {
		if j == 0 || toks[j].brk {
			return true
		}
		p := toks[j-1].w
		if conjunctions[p] && j == i {
			// "... and quote '...'", "... und setze ...": a clause of
			// its own.
			return true
		}
		if p == "you" || p == "u" {
			// "can you set", "I need you to set".
			return true
		}
		if !leads[p] && !modal(p) {
			return false
		}
	}
}

func modal(w string) bool {
	switch w {
	case "can", "could", "would", "will", "must", "should", "shall", "to", "need", "want":
		return true
	}
	return false
}

// sentenceAt returns where in a sentence an instruction begins, or -1.
func (d *Detector) sentenceAt(s string, toks []token) int {
	at := -1
	earliest := func(i int) {
		if at < 0 || i < at {
			at = i
		}
	}
	for i := range toks {
		if at >= 0 {
			// Later words start their clauses no earlier.
			break
		}
		w := toks[i].w
		// One lookup tells which lists the word is on.
		k := d.kinds[w]
		// "ignore all previous instructions", "olvida lo anterior",
		// but not "ignore my previous email".
		if k&kOverride != 0 && imperativeAt(toks, i) {
			own := false
			for j := i + 1; j < len(toks) && j <= i+6; j++ {
				x := toks[j].w
				switch x {
				case "my", "mi", "mein", "meine", "meinen", "meiner", "meu", "minha", "mon", "ma", "mes", "mio", "mia", "mijn", "our":
					own = true
				}
				if own && ownMessages[x] {
					break
				}
				if overrideObjects[x] && !own {
					earliest(clauseStart(toks, i))
					break
				}
			}
		}
		for _, p := range injectionPhrases {
			if k&kPhraseFirst == 0 {
				break
			}
			if i+len(p) <= len(toks) && toks[i].w == p[0] {
				ok := true
				for k := 1; k < len(p); k++ {
					if toks[i+k].w != p[k] {
						ok = false
						break
					}
				}
				if ok {
					earliest(clauseStart(toks, i))
				}
			}
		}
		if k&kQuote != 0 && imperativeAt(toks, i) {
			after := strings.TrimLeft(s[toks[i].end:], " \t:")
			if after != "" && strings.ContainsRune(`'"“‘«„`, []rune(after)[0]) {
				earliest(clauseStart(toks, i))
			}
		}
		if k&kOrder != 0 && d.setsField(s, toks, i) {
			earliest(clauseStart(toks, i))
		}
		// "priority=Urgent"
		for _, f := range d.fields {
			if k&kName == 0 {
				break
			}
			if end, ok := f.nameAt(toks, i); ok && strings.HasPrefix(strings.TrimLeft(s[toks[end-1].end:], " \t"), "=") {
				earliest(clauseStart(toks, i))
			}
		}
		// A clause opening with a field and a linker followed by one of
		// its values: "and category to Returns".
		if toks[i].brk || i > 0 && toks[i-1].w == "and" && clauseStart(toks, i) == i-1 {
			j := i
			for j < len(toks) && (dets[toks[j].w] || toks[j].w == "and") && j < i+3 {
				j++
			}
			for _, f := range d.fields {
				if j >= len(toks) || !d.first[toks[j].w] {
					break
				}
				if end, ok := f.nameAt(toks, j); ok && end < len(toks) && linkers[toks[end].w] && !toks[end].brk {
					if _, ok := f.valueAt(s, toks, end+1); ok {
						earliest(clauseStart(toks, i))
					}
				}
			}
		}
	}
	if at < 0 {
		return -1
	}
	return toks[at].start
}

// setsField reports whether the set verb toks[i] gives a field of the
// request a value, within its clause:
//
//   - a field name, a linker (or none) and one of the field's values:
//     "set the priority to Urgent", "ordne den Fall der Kategorie Billing
//     zu", "die Priorität auf Urgent setzen";
//   - the field's full name and a linker, in an order: "change the
//     order number to ...";
//   - a linker right after the verb (a few words) and an option that
//     ends the clause: "mark this as Urgent", "classez ce ticket dans
//     Billing".
func (d *Detector) setsField(s string, toks []token, i int) bool {
	passive := i > 0 && passives[toks[i-1].w] && !toks[i].brk
	if !imperativeAt(toks, i) && !(i+1 == len(toks) || toks[i+1].brk) && !passive {
		return false
	}
	// The field and its value are within a few words of the order.
	from := max(clauseStart(toks, i), i-8)
	to := min(clauseEnd(toks, i), i+10)
	for j := from; j < to; j++ {
		if j == i {
			continue
		}
		if !d.first[toks[j].w] {
			continue
		}
		// "Change delivery address for order ORD-482610": a field named
		// after a preposition says which thing, not what to set.
		if j > i+1 && complements[toks[j-1].w] {
			continue
		}
		for _, f := range d.fields {
			end, full := f.nameAt(toks, j)
			if !full {
				if f.short == "" || toks[j].w != f.short {
					continue
				}
				end = j + 1
			}
			if end > to || idiomAt(toks, i, end) {
				continue
			}
			v := end
			for k := 0; k < 2 && v < to && leads[toks[v].w] && !linkers[toks[v].w]; k++ {
				v++
			}
			if v < to && linkers[toks[v].w] {
				v++
			}
			if _, ok := f.valueAt(s, toks, v); ok {
				return true
			}
			if full && j > i && v > end && v < to && imperativeAt(toks, i) {
				return true
			}
		}
	}
	if !imperativeAt(toks, i) || toks[i].w == "treat" {
		return false
	}
	for j := i + 1; j < to && j <= i+5; j++ {
		if !linkers[toks[j].w] {
			continue
		}
		for _, f := range d.fields {
			if end, ok := f.valueAt(s, toks, j+1); ok && (end >= to || tailWord(toks[end].w)) && len(f.options) > 0 {
				if _, _, isOpt := f.optionAt(toks, j+1); isOpt {
					return true
				}
			}
		}
	}
	return false
}

// idiomAt reports whether the order at toks[i] and the field name ending
// before toks[end] make a phrase of their own: "neem contact op met de
// klantenservice" (get in touch with) sets no contact.
func idiomAt(toks []token, i, end int) bool {
	return toks[i].w == "neem" && end < len(toks) && toks[end-1].w == "contact" && toks[end].w == "op"
}

// tailWord may follow the value an order gives: "mark it as Urgent
// please", "... zu".
func tailWord(w string) bool {
	switch w {
	case "please", "pls", "now", "immediately", "asap", "thanks", "too", "also", "instead", "zu", "ein", "in", "bitte", "toe", "por", "favor":
		return true
	}
	return false
}
