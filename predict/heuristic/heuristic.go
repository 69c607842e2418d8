package heuristic

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/caseagent/caseagent/predict"
)

// Name is what the predictor reports as predict.Result.Predictor.
const Name = "heuristic"

// Errors of the package.
var (
	// ErrNilRequest is returned by Predict for a nil request.
	ErrNilRequest = errors.New("heuristic: nil request")
	// ErrBadOption is returned by New for an invalid option.
	ErrBadOption = errors.New("heuristic: bad option")
)

// FieldError reports a field that cannot be compiled, such as one with a
// pattern that is not a valid regular expression.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("heuristic: field %s: %v", e.Field, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

// Option configures a Predictor.
type Option func(*Predictor) error

// WithClassifier makes the predictor classify the named choice or lookup
// field with c instead of by description similarity. Explicit mentions of
// an option ("it's the X300") still win over the classifier.
func WithClassifier(field string, c Classifier) Option {
	return func(p *Predictor) error {
		if field == "" || c == nil {
			return fmt.Errorf("%w: WithClassifier needs a field name and a classifier", ErrBadOption)
		}
		p.classifiers[field] = c
		return nil
	}
}

// WithMinConfidence sets the confidence under which the predictor
// abstains on an option field rather than guess (default 0.35).
func WithMinConfidence(c float64) Option {
	return func(p *Predictor) error {
		if !(c >= 0 && c <= 1) {
			return fmt.Errorf("%w: minimum confidence %v outside [0,1]", ErrBadOption, c)
		}
		p.minConf = c
		return nil
	}
}

// WithCacheSize bounds the number of compiled field definitions the
// predictor keeps (default 256). Fields of a Compiled schema given with
// WithCompiled are kept in addition.
func WithCacheSize(n int) Option {
	return func(p *Predictor) error {
		if n < 1 {
			return fmt.Errorf("%w: cache size %d", ErrBadOption, n)
		}
		p.cacheSize = n
		return nil
	}
}

// WithCompiled gives the predictor fields compiled ahead of time.
func WithCompiled(c *Compiled) Option {
	return func(p *Predictor) error {
		if c == nil {
			return fmt.Errorf("%w: nil Compiled", ErrBadOption)
		}
		for _, cf := range c.fields {
			p.pinned[cf.hash] = append(p.pinned[cf.hash], cf)
		}
		return nil
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(p *Predictor) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrBadOption)
		}
		p.log = l
		return nil
	}
}

// Predictor is the offline default predictor. It is safe for concurrent
// use; it never modifies a request. Make one with New: the zero value is
// not ready for use.
type Predictor struct {
	lx          *lexicon
	classifiers map[string]Classifier
	// need tells need sentences from context for descriptions (nil: off);
	// needSet says WithNeedClassifier chose it.
	need    Classifier
	needSet bool
	// intent reads the kind of request for choice fields whose options
	// name kinds of request (nil: off); intentSet says
	// WithIntentClassifier chose it.
	intent    IntentClassifier
	intentSet bool
	minConf   float64
	cacheSize int
	log       *slog.Logger
	// cal maps evidence to confidence; nil reads the raw scores.
	cal calibration
	// observe, when set, is told the evidence of every option answer
	// (for building the calibration table).
	observe func(field, value, kind string, score float64)

	pinned map[uint64][]*compiledField // read-only after New

	mu    sync.RWMutex
	cache map[uint64][]*compiledField

	dets detectorCache // instruction detectors by the set of requested fields
}

// New returns a Predictor.
func New(opts ...Option) (*Predictor, error) {
	p := &Predictor{
		lx:          defaultLexicon(),
		classifiers: map[string]Classifier{},
		minConf:     0.35,
		cacheSize:   256,
		cal:         calibrationTable,
		log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		pinned:      map[uint64][]*compiledField{},
		cache:       map[uint64][]*compiledField{},
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(p); err != nil {
			return nil, err
		}
	}
	if !p.needSet {
		p.need = needModel()
	}
	if !p.intentSet {
		p.intent = intentModel()
	}
	return p, nil
}

type fieldKind int

const (
	kindNone fieldKind = iota
	kindContact
	kindChoice
	kindPattern
	kindEmail
	kindDescription
	kindTitle
)

// compiledField is what the predictor prepared for one field definition.
// It is read-only once built.
type compiledField struct {
	hash    uint64
	field   predict.Field
	kind    fieldKind
	choice  *choiceField
	pattern *patternField
	limit   int // characters, for titles
	err     error
	// names is what instructions call the field, nil for none.
	names *fieldNames
}

// Compiled is a schema compiled ahead of time. It is read-only and safe
// for concurrent use.
type Compiled struct {
	fields []*compiledField
}

// Compile prepares the matchers of fields, so that requests for them are
// fast from the first one, and reports the fields the predictor cannot
// use (such as a pattern that does not compile), joined.
func Compile(fields []predict.Field) (*Compiled, error) {
	lx := defaultLexicon()
	c := &Compiled{}
	var errs []error
	for i := range fields {
		cf := compileField(lx, &fields[i])
		if cf.err != nil {
			errs = append(errs, &FieldError{Field: fields[i].Name, Err: cf.err})
		}
		c.fields = append(c.fields, cf)
	}
	return c, errors.Join(errs...)
}

// fieldSeed seeds the hashes of field definitions, which live only in
// this process's caches.
var fieldSeed = maphash.MakeSeed()

// hashField hashes a field definition: a key to the compiled fields,
// which sameField confirms.
func hashField(f *predict.Field) uint64 {
	const prime = 1099511628211
	var h uint64
	w := func(s string) { h = (h ^ maphash.String(fieldSeed, s)) * prime }
	w(f.Name)
	w(string(f.Type))
	if f.Multiline {
		w("m")
	}
	w(f.Description)
	w(f.Lookup)
	w(f.Pattern)
	for _, o := range f.Options {
		w(o.Value)
		w(o.Label)
		w(o.Description)
	}
	return h
}

func sameField(a, b *predict.Field) bool {
	if a.Name != b.Name || a.Type != b.Type || a.Multiline != b.Multiline || a.Description != b.Description ||
		a.Lookup != b.Lookup || a.Pattern != b.Pattern || len(a.Options) != len(b.Options) {
		return false
	}
	for i := range a.Options {
		x, y := &a.Options[i], &b.Options[i]
		if x.Value != y.Value || x.Label != y.Label || x.Description != y.Description || !slices.Equal(x.Examples, y.Examples) {
			return false
		}
	}
	return true
}

func (p *Predictor) compiled(f *predict.Field) *compiledField {
	h := hashField(f)
	for _, cf := range p.pinned[h] {
		if sameField(&cf.field, f) {
			return cf
		}
	}
	p.mu.RLock()
	for _, cf := range p.cache[h] {
		if sameField(&cf.field, f) {
			p.mu.RUnlock()
			return cf
		}
	}
	p.mu.RUnlock()
	cf := compileField(p.lx, f)
	cf.hash = h
	p.mu.Lock()
	if len(p.cache) >= p.cacheSize {
		clear(p.cache)
	}
	p.cache[h] = append(p.cache[h], cf)
	p.mu.Unlock()
	return cf
}

var limitRe = regexp.MustCompile(`(\d{1,4})\s*(?:characters|chars|caracteres|zeichen|caracteres)`)

var titleWords = []string{"title", "titulo", "titel", "titre", "headline", "subject line", "asunto", "betreff", "assunto", "objet"}
var describeWords = []string{
	"what the customer", "needs", "need help", "help with", "issue", "problem", "describe", "description", "summary", "request",
	"necesita", "problema", "descripcion", "resumen", "anliegen", "beschreibung", "zusammenfassung",
	"precisa", "descricao", "resumo", "besoin", "probleme", "resume",
}

func compileField(lx *lexicon, f *predict.Field) *compiledField {
	cf := compileKind(lx, f)
	cf.names = newFieldNames(cf)
	return cf
}

func compileKind(lx *lexicon, f *predict.Field) *compiledField {
	cf := &compiledField{hash: hashField(f), field: cloneField(f)}
	switch {
	case f.Type == predict.TypeLookup && f.Lookup == predict.LookupContacts:
		cf.kind = kindContact
	case f.HasOptions():
		if len(f.Options) > 0 {
			cf.kind = kindChoice
			cf.choice = compileChoice(lx, f)
		}
	case f.Type == predict.TypeText && f.Pattern != "":
		pf, err := newPatternField(f.Pattern)
		if err != nil {
			cf.err = err
			return cf
		}
		cf.kind = kindPattern
		cf.pattern = pf
	case f.Type == predict.TypeEmail:
		cf.kind = kindEmail
	case f.Type == predict.TypeText:
		d := fold(f.Description)
		name := " " + strings.NewReplacer("_", " ", "-", " ").Replace(fold(f.Name)) + " "
		for _, w := range titleWords {
			if strings.Contains(d, w) || strings.Contains(name, " "+w+" ") {
				cf.kind = kindTitle
				cf.limit = 80
				if m := limitRe.FindStringSubmatch(d); m != nil {
					if n, err := strconv.Atoi(m[1]); err == nil && n >= 10 {
						cf.limit = n
					}
				}
				return cf
			}
		}
		for _, w := range describeWords {
			if strings.Contains(d, w) || strings.Contains(name, " "+w) {
				cf.kind = kindDescription
				cf.limit = 300
				if m := limitRe.FindStringSubmatch(d); m != nil {
					if n, err := strconv.Atoi(m[1]); err == nil && n >= 40 {
						cf.limit = n
					}
				}
				return cf
			}
		}
	}
	return cf
}

func cloneField(f *predict.Field) predict.Field {
	c := *f
	c.Options = append([]predict.Option(nil), f.Options...)
	return c
}

// Predict predicts the requested fields from the customer's messages. It
// abstains on fields it finds no evidence for, and returns an error only
// for a nil request or when ctx ends.
func (p *Predictor) Predict(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	if req == nil {
		return nil, ErrNilRequest
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: Name}
	// Every requested field's names and values tell instructions to the
	// system apart from facts, whichever field is being read.
	cfs := make([]*compiledField, len(req.Fields))
	v := &vocab{fields: make([]*fieldNames, 0, len(req.Fields)), cache: &p.dets}
	for i := range req.Fields {
		cfs[i] = p.compiled(&req.Fields[i])
		if n := cfs[i].names; n != nil {
			v.fields = append(v.fields, n)
		}
	}
	var conv *conversation
	// The description is read last, with the product the customer
	// names.
	var describeLater []int
	for i := range req.Fields {
		f := &req.Fields[i]
		cf := cfs[i]
		if cf.err != nil {
			p.log.DebugContext(ctx, "heuristic: field skipped", "field", f.Name, "error", cf.err)
		}
		if cf.kind == kindNone {
			continue
		}
		if conv == nil {
			conv = analyze(p.lx, req.Messages, v)
			conv.need = p.need
			conv.intent = p.intent
		}
		var pr predict.Prediction
		ok := false
		switch cf.kind {
		case kindContact:
			var err error
			pr, ok, err = predictContact(ctx, p.log, conv, req)
			if err != nil {
				return nil, err
			}
		case kindChoice:
			var r choiceResult
			r, ok = cf.choice.predict(conv, p.classifiers[f.Name], p.cal, p.minConf, req.Known[f.Name])
			if ok && p.observe != nil && r.kind != "" {
				p.observe(f.Name, f.Options[r.opt].Value, r.kind, r.score)
			}
			if ok {
				pr = predict.Prediction{Value: f.Options[r.opt].Value, Confidence: r.conf, Evidence: conv.evidence(r.quote)}
			}
		case kindPattern:
			var id identifier
			var conf float64
			id, conf, ok = pickIdentifier(cf.pattern.find(conv))
			if ok {
				pr = predict.Prediction{Value: id.value, Confidence: conf, Evidence: []predict.Evidence{{MessageID: req.Messages[id.msg].ID, Quote: id.quote}}}
			}
		case kindEmail:
			pr, ok = predictEmail(conv)
		case kindDescription:
			describeLater = append(describeLater, i)
			continue
		case kindTitle:
			pr, ok = predictTitle(conv, cf.limit)
		}
		if !ok {
			continue
		}
		// What the extractors found must be a value of the field, in its
		// canonical form. Identifiers were matched against the pattern
		// already (Normalize would compile it again).
		if cf.kind == kindPattern {
			res.Predictions[f.Name] = pr
		} else if v, err := f.Normalize(pr.Value); err == nil {
			pr.Value = v
			res.Predictions[f.Name] = pr
		}
	}
	var named namedThing
	if len(describeLater) > 0 {
		named, _ = thingNamed(conv, cfs, req.Fields, res.Predictions)
	}
	for _, i := range describeLater {
		f := &req.Fields[i]
		pr, ok := predictDescription(conv, cfs[i].limit, named)
		if !ok {
			continue
		}
		if v, err := f.Normalize(pr.Value); err == nil {
			pr.Value = v
			res.Predictions[f.Name] = pr
		}
	}
	return res, nil
}

// evidence turns quote references into evidence, each quote once.
func (c *conversation) evidence(refs []quoteRef) []predict.Evidence {
	var out []predict.Evidence
	seen := map[string]bool{}
	for _, r := range refs {
		s := &c.sents[r.sent]
		if r.rep {
			s = &c.rep[r.sent]
		}
		q := s.text()
		if r.j > 0 {
			q = s.quote(r.i, r.j)
		}
		q = clip(q, 300)
		if q == "" || seen[q] {
			continue
		}
		seen[q] = true
		out = append(out, predict.Evidence{MessageID: c.msgs[s.msg].ID, Quote: q})
	}
	return out
}

func predictEmail(c *conversation) (predict.Prediction, bool) {
	if mi, addr := latestFromEmail(c); mi >= 0 {
		return predict.Prediction{Value: addr, Confidence: 0.85, Evidence: []predict.Evidence{{MessageID: c.msgs[mi].ID, Quote: addr}}}, true
	}
	for k := len(c.customer) - 1; k >= 0; k-- {
		mi := c.customer[k]
		m := &c.msgs[mi]
		locs := emails(m.Text)
		for j := len(locs) - 1; j >= 0; j-- {
			if negatedBefore(m.Text, locs[j][0]) || c.inInstruction(mi, false, locs[j][0]) {
				continue
			}
			a := m.Text[locs[j][0]:locs[j][1]]
			return predict.Prediction{Value: a, Confidence: 0.8, Evidence: []predict.Evidence{{MessageID: m.ID, Quote: a}}}, true
		}
	}
	return predict.Prediction{}, false
}

// minDescribeScore is the least informative a conversation must be to
// describe it.
const minDescribeScore = 1.2

// namedThing is the thing a conversation is about, as the customer names
// it: the quote of its full name, and the name itself ("M10" of "M10
// Mesh").
type namedThing struct {
	ev   predict.Evidence
	name string
	// kind is the customer's own word for the kind of device it is
	// ("thermostat", "câmera") when the name lacks one and they use one.
	kind string
	// others are the sentences that name another option of its field.
	others []int
}

// thingNamed returns the thing (an option of a labelled lookup among the
// requested fields: a product, a plan) the case is about, as the customer
// first wrote its most precise name: the option predicted for the field
// when the customer names it, else the one thing they name, leaving out
// those they say work ("the nodes look fine"); false when they name
// none, or several and none was predicted.
func thingNamed(c *conversation, cfs []*compiledField, fields []predict.Field, predicted map[string]predict.Prediction) (namedThing, bool) {
	for i, cf := range cfs {
		if cf.kind != kindChoice || !cf.choice.labelled {
			continue
		}
		ms := cf.choice.mentions(c)
		if pr, ok := predicted[fields[i].Name]; ok {
			if th, ok := cf.choice.namedAs(c, ms, fields[i].Options, pr.Value); ok {
				return th, true
			}
		}
		// Of several things named, the one the email's subject alone
		// names is the case's: "Home Hub dead - all my sensors offline".
		inSubject := func(m mention) bool { return c.sents[m.sent].part == partSubject }
		subjectOnly := -1
		for _, m := range ms {
			if !m.neg && inSubject(m) {
				if subjectOnly >= 0 && subjectOnly != m.opt {
					subjectOnly = -2
					break
				}
				subjectOnly = m.opt
			}
		}
		opt, ref, name := -1, quoteRef{}, 0.0
		for _, m := range ms {
			if m.neg || slices.ContainsFunc(ms, func(o mention) bool { return o.opt == m.opt && o.works }) {
				continue
			}
			if subjectOnly >= 0 && m.opt != subjectOnly {
				continue
			}
			if opt >= 0 && m.opt != opt {
				return namedThing{}, false
			}
			// The most precise name the customer used: "M10" rather than
			// "satélite".
			if p := precision(c, m); p > name {
				opt, ref, name = m.opt, quoteRef{sent: m.sent, i: m.tok, j: m.end}, p
			}
		}
		if opt < 0 {
			continue
		}
		if ev := c.evidence([]quoteRef{fullName(c, ref, cf.choice.opts[opt].labelStems)}); len(ev) == 1 {
			return namedThing{ev: ev[0], name: nameOnly(c.sents[ref.sent].quote(ref.i, ref.j)), kind: cf.choice.kindWord(c, opt, ev[0].Quote)}, true
		}
	}
	return namedThing{}, false
}

// namedAs returns the option of value v as the customer first wrote its
// most precise name, if they name it.
func (cf *choiceField) namedAs(c *conversation, ms []mention, opts []predict.Option, v any) (namedThing, bool) {
	opt := slices.IndexFunc(opts, func(o predict.Option) bool { return o.Value == v })
	ref, name := quoteRef{}, 0.0
	for _, m := range ms {
		if p := precision(c, m); m.opt == opt && !m.neg && p > name {
			ref, name = quoteRef{sent: m.sent, i: m.tok, j: m.end}, p
		}
	}
	if opt < 0 || name == 0 {
		return namedThing{}, false
	}
	ev := c.evidence([]quoteRef{fullName(c, ref, cf.opts[opt].labelStems)})
	if len(ev) != 1 {
		return namedThing{}, false
	}
	th := namedThing{ev: ev[0], name: nameOnly(c.sents[ref.sent].quote(ref.i, ref.j)), kind: cf.kindWord(c, opt, ev[0].Quote)}
	for _, m := range ms {
		if m.opt != opt && !m.neg {
			th.others = append(th.others, m.sent)
		}
	}
	return th, true
}

// precision tells how precisely mention m names its option: by the
// strength of the name, and above any name without one, a name that
// holds the model ("satelliti M10" rather than "kit mesh").
func precision(c *conversation, m mention) float64 {
	s := &c.sents[m.sent]
	for k := m.tok; k < m.end && k < len(s.toks); k++ {
		if modelName(s.toks[k].fold) {
			return 1 + m.name
		}
	}
	return m.name
}

// fullName widens the quote of a name to the words around it that name
// the same thing, as the customer wrote them: "M10" in "das M10
// Mesh-Set" is quoted "M10 Mesh", "X200" in "il router X200" "router
// X200". Those words are words of the option's label or say the kind of
// device; at most two on each side.
func fullName(c *conversation, ref quoteRef, labelStems []string) quoteRef {
	s := &c.sents[ref.sent]
	kind := func(k int) bool {
		// No clause boundary between the word and the name.
		if k >= ref.j && s.toks[k].brk || k < ref.i && s.toks[k+1].brk {
			return false
		}
		if slices.Contains(labelStems, s.toks[k].stem) {
			return true
		}
		for _, tm := range s.terms {
			if tm.start == k && kindConcepts[tm.key] {
				return true
			}
		}
		return false
	}
	for n := 0; n < 2 && ref.j < len(s.toks) && kind(ref.j); n++ {
		ref.j++
	}
	for n := 0; n < 2 && ref.i > 0 && kind(ref.i-1); n++ {
		ref.i--
	}
	return ref
}

// kindWord returns the customer's first word for a kind of device option
// opt's label names ("the thermostat", "la telecamera") that quote, the
// name it is quoted by, lacks; else "".
func (cf *choiceField) kindWord(c *conversation, opt int, quote string) string {
	o, quote := &cf.opts[opt], fold(quote)
	for i := range c.sents {
		s := &c.sents[i]
		if s.part != partText && s.part != partSubject || s.instr {
			continue
		}
		for _, tm := range s.terms {
			if tm.neg || tm.implied || !slices.Contains(o.labelKinds, tm.key) || tm.start >= len(s.toks) {
				continue
			}
			if w := s.quote(tm.start, tm.start+1); !strings.Contains(quote, fold(w)) {
				return w
			}
		}
	}
	return ""
}

// kindConcepts say what kind of device a word names.
var kindConcepts = map[string]bool{"#router": true, "#camera": true, "#indoor": true, "#outdoor": true, "#plug": true, "#thermostat": true}

// nameOnly returns a name as quoted without the brackets and quotation
// marks that stood around its words ("binnencamera (Cam4").
func nameOnly(q string) string {
	q = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`()[]{}"«»“”„`, r) {
			return ' '
		}
		return r
	}, q)
	return strings.Join(strings.Fields(q), " ")
}

// predictDescription describes the need with the customer's sentences
// that tell it best; when they do not name the thing the case is about
// (named, if any), it leads with its full name as the customer wrote it:
// "X300 router: since this morning our internet drops every 15 minutes".
func predictDescription(c *conversation, limit int, named namedThing) (predict.Prediction, bool) {
	picked, best := describe(c, limit, 2)
	// A customer typing in fragments tells across messages what no
	// fragment tells alone.
	if !slices.ContainsFunc(picked, func(ps pickedSentence) bool { return !c.fragment(c.sents[ps.idx].msg) }) {
		if run, score := describeRun(c, limit); score >= minDescribeScore {
			picked, best = run, score
		}
	}
	if len(picked) == 0 || best < minDescribeScore {
		return predict.Prediction{}, false
	}
	var parts []string
	var ev []predict.Evidence
	for _, ps := range picked {
		s := &c.sents[ps.idx]
		q := strings.TrimSpace(s.text()[ps.from:max(ps.from, s.ownEnd())])
		if s.passAt > 0 {
			q = trimDangling(q)
		}
		part := q
		if s.part == partSubject {
			// "Re: Router dead after the storm" tells the need as a line;
			// in the description it ends as a sentence.
			q = stripSubjectPrefix(q)
			part = q
			switch r, _ := utf8.DecodeLastRuneInString(q); {
			case named.name != "" && fold(q) == fold(nameOnly(named.ev.Quote)):
				// A subject that only names the thing leads as its name:
				// "Home Hub: Since Saturday the ring light blinks red".
				part = q + ":"
			case q != "" && !strings.ContainsRune(".!?…", r):
				part = q + "."
			}
		}
		parts = append(parts, part)
		ev = append(ev, predict.Evidence{MessageID: c.msgs[s.msg].ID, Quote: clip(q, 300)})
	}
	v := strings.Join(parts, " ")
	// A sentence that names what the customer then corrects keeps its
	// own words: "My x-200 keeps rebooting" of a customer who then says
	// it is the X300 does not lead as "X300: My x-200 ...".
	namesOther := c.corrects && slices.ContainsFunc(picked, func(ps pickedSentence) bool { return slices.Contains(named.others, ps.idx) })
	if named.name != "" && !namesOther && !strings.Contains(fold(v), fold(named.name)) {
		lead := nameOnly(named.ev.Quote)
		if named.kind != "" && !strings.Contains(fold(v), fold(named.kind)) {
			// "T2 (thermostat): screen went blank": the kind of device
			// in the customer's word, when the name says only the model.
			lead += " (" + named.kind + ")"
		}
		v = lead + ": " + v
		ev = append([]predict.Evidence{named.ev}, ev...)
	}
	v = clip(v, limit)
	conf := 0.5 + 0.4*min(1, best/5)
	return predict.Prediction{Value: v, Confidence: conf, Evidence: ev}, true
}

// trimDangling trims what a sentence cut before its remark in passing
// leaves dangling at its end: punctuation and a joining word ("... marche
// plus, et" of "... marche plus, et au passage ...").
func trimDangling(q string) string {
	for {
		q = strings.TrimRight(q, " ,;:-–—(")
		i := strings.LastIndexByte(q, ' ')
		if i < 0 || !joiningWords[fold(q[i+1:])] {
			return q
		}
		q = q[:i]
	}
}

// joiningWords join a clause to the one before, folded.
var joiningWords = wordSet(`and but also oh ah y pero e mas und aber auch et mais sinon ma en maar ook`)

func predictTitle(c *conversation, limit int) (predict.Prediction, bool) {
	for _, mi := range c.customer {
		m := &c.msgs[mi]
		t := stripSubjectPrefix(m.Subject)
		if c.instrs > 0 {
			t = c.subjectFacts(mi, t)
		}
		if t != "" {
			return predict.Prediction{Value: clip(t, limit), Confidence: 0.8, Evidence: []predict.Evidence{{MessageID: m.ID, Quote: clip(t, limit)}}}, true
		}
	}
	picked, best := describe(c, 1<<20, 1)
	if len(picked) == 0 || best < minDescribeScore {
		return predict.Prediction{}, false
	}
	s := &c.sents[picked[0].idx]
	t := clip(strings.TrimRight(strings.TrimSpace(s.text()[picked[0].from:]), ".!?"), limit)
	if t == "" {
		return predict.Prediction{}, false
	}
	return predict.Prediction{Value: t, Confidence: 0.6, Evidence: []predict.Evidence{{MessageID: c.msgs[s.msg].ID, Quote: t}}}, true
}

// subjectFacts returns the subject of message mi without the sentences
// that are instructions to the system: the first of them and all after
// it go, so that what is kept is a span of the subject.
func (c *conversation) subjectFacts(mi int, t string) string {
	for i := range c.sents {
		s := &c.sents[i]
		if s.msg == mi && s.part == partSubject && s.instr {
			off := strings.Index(s.src, t)
			cut := s.start - off
			if off < 0 || cut < 0 || cut > len(t) {
				return ""
			}
			return strings.TrimRight(t[:cut], " \t,;:-([<")
		}
	}
	return t
}
