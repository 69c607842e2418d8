package heuristic

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/caseagent/caseagent/predict"
)

// optionName is a name an option goes by: its value, its label or an alias
// from its description.
type optionName struct {
	opt      int
	compact  []byte // folded letters and digits only
	lastLen  int    // length of the last word of the name, folded
	digitEnd bool
	strength float64
}

type optionModel struct {
	value string
	// labelStems are the stems of the words of the option's label.
	labelStems []string
	pos        map[string]float64 // terms that speak for the option
	neg        map[string]float64 // terms of its "Not for" part
	// cues are the phrases of the description ("dead ports", "camera
	// exposed"), each a list of terms; negCues those of its "Not for"
	// part. A lone generic noun of a phrase does not count.
	cues    [][]weighted
	negCues [][]weighted
	norm    float64 // length normalisation of its positive terms
	// nameKey is the one situation concept a one-word value names
	// ("Returns": #return), and nameW the strength of that name: the
	// concept in any language or wording mentions the option as the
	// value itself does ("devolver" as "return").
	nameKey string
	nameW   float64
	// labelKey is the first situation concept the option's label (or
	// value) names ("Product defect": #malfunction, "How-to": #howto):
	// the kind of request it is, which the intent model reads.
	labelKey string
	// labelKinds are the kinds of device the label names ("Cam4 Outdoor
	// Camera": #outdoor, #camera).
	labelKinds []string
	// nameDeniable is set when a negation before the value denies it
	// ("niente di urgente" for "Urgent").
	nameDeniable bool
	// nameSelfAssessed is set when the value is the customer's own
	// verdict ("Urgent"): naming it is no evidence.
	nameSelfAssessed bool
	// nameDegree is set when the value is a word of degree ("Normal",
	// "High", "Low"): in a customer's sentence it mentions the option
	// only next to the field's own name ("priority: high"); "it only
	// gets normally warm" and "a high bill" name no priority.
	nameDegree bool
}

type weighted struct {
	key  string
	w    float64
	kind termKind // what countCues asks of the key, found once
}

// termKind says what a cue term is, for countCues.
type termKind uint8

const (
	kindSelfAssessed termKind = 1 << iota
	kindPredicate
	kindEntity
	kindNoun
	kindFrame
)

// cueTerm returns the cue term key with weight w.
func cueTerm(key string, w float64) weighted {
	var k termKind
	if selfAssessed[key] {
		k |= kindSelfAssessed
	}
	if isPredicate(key) {
		k |= kindPredicate
	}
	if entityConcepts[key] {
		k |= kindEntity
	}
	if nounConcepts[key] {
		k |= kindNoun
	}
	if frameConcepts[key] {
		k |= kindFrame
	}
	return weighted{key: key, w: w, kind: k}
}

// nounConcepts name things rather than situations: alone, they do not
// say which option applies.
var nounConcepts = map[string]bool{
	"#camera": true, "#outdoor": true, "#indoor": true, "#router": true, "#app": true, "#account": true,
	"#business": true, "#use": true, "#request": true, "#address": true, "#works": true, "#problem": true,
	"#order": true,
}

func isPredicate(key string) bool { return key[0] == '#' && !nounConcepts[key] }

// entityConcepts are the things a phrase can be about ("camera exposed",
// "a business is down"); when the customer does not speak of the thing,
// the rest of the phrase counts half.
var entityConcepts = map[string]bool{
	"#delivery": true, "#camera": true, "#outdoor": true, "#indoor": true, "#router": true, "#app": true, "#account": true, "#business": true, "#address": true, "#password": true,
}

// splitCues splits a description part into its phrases.
func splitCues(s string, orToo bool) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '(' || r == ')' || r == ':' || r == '.' || r == '\n'
	})
	if !orToo {
		return parts
	}
	var out []string
	for _, p := range parts {
		out = append(out, strings.Split(p, " or ")...)
	}
	return out
}

// choiceField is the compiled matcher of a choice field or of a lookup
// field whose ids are its options. It is read-only once built.
type choiceField struct {
	// bare is set when no option has a description: then only strong
	// explicit mentions (or a classifier) decide, since a word such as
	// "email" in a message says nothing of an option named "Email".
	bare bool
	// first marks the bytes a name's compact form can begin with.
	first [256]bool
	opts  []optionModel
	names map[string][]*optionName // by the first three letters of the compact name
	fuzzy []*optionName            // names long enough for edit-distance matching
	// fuzzyFirst marks the first bytes of the fuzzy names.
	fuzzyFirst [256]bool
	idf        map[string]float64
	// heads are the nouns that end the labels of two options or more
	// ("router" of "X200 Router" and "X300 Router"), with those options:
	// alone, such a noun names none of them.
	heads map[string][]int
	// labelled is set when options have labels besides their values, as
	// products do ("X200 Router"): a representative may name one.
	labelled bool
	// nameStarts are the first words of the options' names, folded, to
	// skip the representatives' statements that name none.
	nameStarts []string
	// fieldWords are the folded words that name the field itself
	// ("priority", "prioridad"), which a degree value must stand by.
	fieldWords map[string]bool
}

// degreeWords are values of a scale, folded, in the supported languages.
var degreeWords = wordSet(`low lowest medium normal moderate high highest critical minor major
	baja bajo media medio alta alto critica critico
	niedrig niedrige mittel hoch hohe kritisch
	baixa baixo moyenne basse haute critique normale
	bassa basso alta alto critica critico normale
	laag gemiddeld hoog normaal kritiek kritisch`)

// degreeStems are the degree words as a description's words are kept:
// "it normally does" meets no "Normal".
var degreeStems = func() map[string]bool {
	m := map[string]bool{}
	for w := range degreeWords {
		m[stem(w)] = true
	}
	return m
}()

// scaleNames are the words for a field that ranks cases, folded.
var scaleNames = wordSet(`priority priorities urgency severity level
	prioridad urgencia severidad nivel
	prioritat dringlichkeit schweregrad stufe
	prioridade urgencia gravidade
	priorite urgence gravite niveau
	priorita urgenza gravita livello
	prioriteit urgentie ernst niveau`)

// byFieldName reports whether one of the three words before toks[i] or
// the two after toks[end-1] names the field.
func (cf *choiceField) byFieldName(toks []token, i, end int) bool {
	for j := max(0, i-3); j < min(len(toks), end+2); j++ {
		if (j < i || j >= end) && (cf.fieldWords[toks[j].fold] || scaleNames[toks[j].fold]) {
			return true
		}
	}
	return false
}

var aliasMarkers = []string{
	"also called", "also known as", "a.k.a.", "aka", "aliases", "alias", "synonyms", "other names", "known as",
	"tambien llamado", "tambien llamada", "tambien conocido como", "tambien conocida como",
	"auch genannt", "auch bekannt als", "tambem chamado", "tambem chamada", "tambem conhecido como",
	"aussi appele", "egalement appele", "aussi appelee", "egalement appelee",
}

var useMarkers = []string{"use when", "usar cuando", "usar quando", "verwenden wenn", "verwenden, wenn", "utiliser quand", "a utiliser quand", "applies when"}
var notMarkers = []string{"not for", "no para", "no usar para", "nicht fur", "nicht verwenden", "nao para", "nao usar para", "pas pour", "ne pas utiliser pour", "does not apply"}

// splitDescription splits an option description into its aliases, its
// "Use when" part, its "Not for" part and the rest. Markers are found in
// the folded text, whose byte offsets differ from the original's, so the
// parts are returned folded.
func splitDescription(desc string) (aliases []string, use, not, rest string) {
	f := fold(desc)
	// Aliases: from a marker to the end of its sentence.
	for _, mk := range aliasMarkers {
		i := indexWord(f, mk)
		if i < 0 {
			continue
		}
		j := i + len(mk)
		end := len(f)
		for k := j; k < len(f); k++ {
			if f[k] == '.' && (k+1 == len(f) || f[k+1] == ' ' || f[k+1] == '\n') {
				end = k
				break
			}
		}
		list := strings.TrimLeft(f[j:end], " :")
		aliases = append(aliases, splitList(list)...)
		f = f[:i] + f[min(end+1, len(f)):]
		break
	}
	cut := func(markers []string) (before, part string) {
		for _, mk := range markers {
			i := indexWord(f, mk)
			if i < 0 {
				continue
			}
			j := i + len(mk)
			end := len(f)
			for _, other := range append(append([]string{}, useMarkers...), notMarkers...) {
				if k := indexWord(f[j:], other); k >= 0 && j+k < end {
					end = j + k
				}
			}
			return f[:i] + " " + f[end:], strings.TrimLeft(f[j:end], " :")
		}
		return f, ""
	}
	f, not = cut(notMarkers)
	f, use = cut(useMarkers)
	return aliases, use, not, f
}

// indexWord finds w in s at a word start.
func indexWord(s, w string) int {
	off := 0
	for {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || !isWordByte(s[i-1]) {
			return i
		}
		off = i + 1
	}
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '/' }) {
		for _, p := range strings.Split(part, " or ") {
			p = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p), "and "))
			p = strings.Trim(p, " .\"'()")
			if p != "" && len(p) <= 60 {
				out = append(out, p)
			}
		}
	}
	return out
}

// nameStrength says how specific a name is: model codes and multi-word
// names are strong, short common words weak.
func nameStrength(orig string) float64 {
	toks := tokenize(orig, nil)
	if len(toks) == 0 {
		return 0
	}
	allStop := true
	for _, t := range toks {
		if !stopWords[t.fold] {
			allStop = false
		}
	}
	if allStop {
		return 0.3
	}
	hasUpperInside := false
	for i, r := range orig {
		if i > 0 && unicode.IsUpper(r) && unicode.IsLetter(rune(orig[i-1])) {
			hasUpperInside = true
		}
	}
	content := 0
	for _, t := range toks {
		if !stopWords[t.fold] {
			content++
		}
	}
	switch {
	case hasDigit(orig) || hasUpperInside:
		return 1
	case content >= 3:
		// "verify my identity", "card payment wrong exchange rate": a
		// phrase that describes rather than names; saying it is evidence,
		// not a decision.
		return 0.6
	case len(toks) > 1:
		return 0.9
	case len(toks[0].fold) >= 5:
		return 0.7
	}
	return 0.5
}

func compactOf(toks []token) []byte {
	var b []byte
	for _, t := range toks {
		b = append(b, t.fold...)
	}
	return b
}

func compileChoice(lx *lexicon, f *predict.Field) *choiceField {
	cf := &choiceField{names: map[string][]*optionName{}, idf: map[string]float64{}, fieldWords: map[string]bool{}}
	for _, t := range tokenize(strings.ReplaceAll(f.Name, "_", " "), nil) {
		cf.fieldWords[t.fold] = true
	}
	seen := map[string]bool{}
	df := map[string]int{}
	cf.bare = true
	for _, o := range f.Options {
		if strings.TrimSpace(o.Description) != "" || len(o.Examples) > 0 {
			cf.bare = false
		}
	}
	for i, o := range f.Options {
		m := optionModel{value: o.Value, pos: map[string]float64{}, neg: map[string]float64{}}
		for _, t := range tokenize(o.Label, nil) {
			m.labelStems = append(m.labelStems, t.stem)
		}
		aliases, use, not, rest := splitDescription(o.Description)
		cf.addName(seen, i, o.Value, nameStrength(o.Value))
		if o.Label != "" {
			cf.addName(seen, i, o.Label, nameStrength(o.Label))
			cf.labelled = true
		}
		for _, a := range aliases {
			cf.addName(seen, i, a, nameStrength(a))
		}
		// The same names in the other languages' words and order: "mesh
		// node" is also "nodo mesh" and "Mesh-Knoten".
		for _, n := range append([]string{o.Label}, aliases...) {
			for _, v := range nameVariants(n) {
				cf.addNameAs(seen, i, v, nameStrength(v), false)
			}
		}
		if vt := tokenize(o.Value, nil); len(vt) == 1 {
			m.nameDegree = degreeWords[vt[0].fold]
			var keys []string
			for _, t := range lx.terms(vt, nil) {
				if isPredicate(t.key) {
					keys = append(keys, t.key)
				}
			}
			if len(keys) == 1 {
				m.nameKey, m.nameW = keys[0], nameStrength(o.Value)
				m.nameDeniable = lx.deniable[keys[0]]
				m.nameSelfAssessed = selfAssessed[keys[0]]
			}
		}
		m.labelKey, m.labelKinds = labelConcepts(lx, cmp.Or(o.Label, o.Value))
		m.addCues(lx, o.Value, 0.8, false)
		m.addCues(lx, o.Label, 0.8, false)
		for _, a := range aliases {
			m.addCues(lx, a, 0.8, false)
		}
		m.addCues(lx, use, 1, false)
		m.addCues(lx, rest, 0.8, false)
		// Example phrases an administrator gave read as what the option
		// is used for, in any language.
		for _, ex := range o.Examples {
			m.addCues(lx, ex, 1, false)
		}
		m.addCues(lx, not, 1, true)
		for k := range m.neg {
			if m.pos[k] > 0 {
				delete(m.neg, k)
			}
		}
		// Negative terms that came from negated phrases of the positive
		// parts count on their own.
		inNegCues := map[string]bool{}
		for _, cue := range m.negCues {
			for _, t := range cue {
				inNegCues[t.key] = true
			}
		}
		for _, k := range sortedKeys(m.neg) {
			if !inNegCues[k] {
				m.negCues = append(m.negCues, []weighted{cueTerm(k, m.neg[k])})
			}
		}
		// A degree word meets no word of a description ("it normally
		// does" is no Normal); it still shapes the option's length.
		for ci, cue := range m.cues {
			m.cues[ci] = slices.DeleteFunc(cue, func(t weighted) bool { return degreeStems[t.key] })
		}
		for k := range m.pos {
			df[k]++
		}
		cf.opts = append(cf.opts, m)
	}
	cf.weigh(df)
	cf.heads = sharedHeads(f.Options)
	return cf
}

// sharedHeads returns the last words of option labels of two words or
// more that end the labels of two options or more.
func sharedHeads(opts []predict.Option) map[string][]int {
	by := map[string][]int{}
	for i, o := range opts {
		toks := tokenize(o.Label, nil)
		if len(toks) < 2 {
			continue
		}
		h := toks[len(toks)-1].fold
		by[h] = append(by[h], i)
	}
	for h, os := range by {
		if len(os) < 2 {
			delete(by, h)
		}
	}
	return by
}

// addName indexes orig as a name of option opt with strength; seen holds
// the names already indexed.
func (cf *choiceField) addName(seen map[string]bool, opt int, orig string, strength float64) {
	cf.addNameAs(seen, opt, orig, strength, true)
}

// addNameAs adds a name; with fuzzy, also for matching with small
// misspellings (names made up from others are matched as written).
func (cf *choiceField) addNameAs(seen map[string]bool, opt int, orig string, strength float64, fuzzy bool) {
	toks := tokenize(orig, nil)
	if len(toks) == 0 {
		return
	}
	if h := toks[0].fold; len(h) >= 2 && !slices.Contains(cf.nameStarts, h) {
		cf.nameStarts = append(cf.nameStarts, h)
	}
	c := compactOf(toks)
	key := string(c) + "\x00" + string(rune('0'+opt))
	if len(c) < 2 || seen[key] {
		return
	}
	seen[key] = true
	last := toks[len(toks)-1].fold
	n := &optionName{opt: opt, compact: c, lastLen: len(last), digitEnd: hasDigit(last[len(last)-1:]), strength: strength}
	k := string(c[:min(3, len(c))])
	cf.names[k] = append(cf.names[k], n)
	cf.first[c[0]] = true
	if fuzzy && len(c) >= 6 && !hasDigit(string(c)) {
		cf.fuzzy = append(cf.fuzzy, n)
		cf.fuzzyFirst[c[0]] = true
	}
}

// exchangeFor are the words that name what an exchange is for ("swap
// the plugs for an outdoor camera"), folded.
var exchangeFor = wordSet(`for contre por gegen pela pelo pelas pelos con voor against`)

// exchangedFor reports whether the name at toks[i] is what the customer
// wants in exchange: it follows an exchange word of its sentence and
// "for", "contre", "gegen" and the like. That product is not the one the
// case is about.
func exchangedFor(s *sentence, i int) bool {
	ex := false
	for _, t := range s.terms {
		if t.key == "#exchange" && t.start < i && !t.neg {
			ex = true
		}
	}
	if !ex {
		return false
	}
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		switch {
		case exchangeFor[s.toks[j].fold]:
			return true
		case !s.toks[j].is(fFiller):
			return false
		}
	}
	return false
}

// deviceWords are the device nouns and their qualifiers that product names
// are made of, folded, with their words in the supported languages.
var deviceWords = map[string][]string{
	"node": {"nodo", "nodos", "nodi", "noeud", "noeuds", "knoten", "knooppunt", "nos", "punt", "punto", "ponto", "point", "punkt", "satellite", "satelite", "satellit", "satelliet",
		"kit", "set", "system", "sistema", "systeem", "systeme", "pack"},
	"nodes":  {"nodos", "nodi", "noeuds", "knoten", "knooppunten", "nos", "punten", "punti", "pontos", "points", "punkte", "satellites", "satelites", "satelliten", "satellieten", "satelliti"},
	"camera": {"camara", "camera", "kamera", "telecamera", "cam"},
	"cam":    {"camara", "camera", "kamera", "telecamera", "cam"},
	"plug":   {"enchufe", "stecker", "steckdose", "tomada", "prise", "presa", "stekker"},
	"router": {"router", "routeur", "roteador"},
	"indoor": {"interior", "interna", "interno", "interieure", "interieur", "innen", "binnen",
		"de dentro", "de interior", "para interior", "d interieur", "da interno", "fur drinnen", "fur innen", "voor binnen"},
	"outdoor": {"exterior", "externa", "esterna", "esterno", "exterieure", "exterieur", "aussen", "buiten",
		"de fora", "de fuera", "de exterior", "para exterior", "d exterieur", "da esterno", "fur draussen", "fur aussen", "voor buiten"},
}

// nameVariants returns a two-word name ("mesh node", "indoor cam") in
// the supported languages' words, in both orders: "nodo mesh", "mesh
// knoten" (compacted, "meshknoten"), "camara interior".
func nameVariants(name string) []string {
	toks := tokenize(name, nil)
	if len(toks) < 2 {
		return nil
	}
	// The last two words: "M10 Mesh Node" varies as "mesh node".
	a, b := toks[len(toks)-2].fold, toks[len(toks)-1].fold
	bs := deviceWords[b]
	if len(bs) == 0 {
		return nil
	}
	as := append([]string{a}, deviceWords[a]...)
	var out []string
	for _, x := range as {
		for _, y := range append([]string{b}, bs...) {
			if x == a && y == b {
				continue
			}
			out = append(out, y+" "+x, x+" "+y)
		}
	}
	return out
}

// addCues adds the cues of text with weight w: to the option's positive
// terms and cues, or with negative to its negative ones (where "or" also
// separates cues).
func (m *optionModel) addCues(lx *lexicon, text string, w float64, negative bool) {
	into, cues, orToo := m.pos, &m.cues, false
	if negative {
		into, cues, orToo = m.neg, &m.negCues, true
	}
	for _, part := range splitCues(text, orToo) {
		var cue []weighted
		seenKey := map[string]bool{}
		lastStart := -1
		for _, t := range lx.readTerms(tokenize(part, nil), nil, true) {
			// In a description, the generic malfunction a phrase
			// implies is left out: "intermittently" describes a
			// degraded service, not every malfunction.
			if t.start == lastStart && (t.key == "#malfunction" || t.key == "#problem") {
				continue
			}
			lastStart = t.start
			if t.neg || t.key == "#noimpact" {
				// What an option says is not the case speaks
				// against it: "nothing is broken", "no impact".
				if t.key == "#noimpact" {
					m.neg["#problem"] = max(m.neg["#problem"], 0.7)
				} else if t.key[0] == '#' {
					m.neg[t.key] = max(m.neg[t.key], 0.7)
				}
				if t.key != "#noimpact" {
					continue
				}
			}
			if seenKey[t.key] {
				continue
			}
			seenKey[t.key] = true
			cue = append(cue, cueTerm(t.key, w))
			if into[t.key] < w {
				into[t.key] = w
			}
		}
		if len(cue) > 0 {
			*cues = append(*cues, cue)
		}
	}
}

// weigh sets the idf of every term from df, the number of options each
// is a positive term of, and the norm of every option.
func (cf *choiceField) weigh(df map[string]int) {
	n := float64(len(cf.opts))
	var total float64
	for k, d := range df {
		cf.idf[k] = math.Log(1 + (n+1)/(float64(d)+0.5))
	}
	for i := range cf.opts {
		o := &cf.opts[i]
		var l float64
		for k, w := range o.pos {
			l += w * cf.idf[k]
		}
		cf.opts[i].norm = l
		total += l
	}
	avg := total / math.Max(n, 1)
	for i := range cf.opts {
		if avg > 0 {
			cf.opts[i].norm = 0.7 + 0.3*cf.opts[i].norm/avg
		} else {
			cf.opts[i].norm = 1
		}
	}
}

// mention is an explicit mention of an option by name.
type mention struct {
	opt      int
	strength float64
	// name is the strength of the name as written: a model name ("M10")
	// names more precisely than a word for the kind ("satellite").
	name float64
	sent int // index in conversation.sents
	tok  int
	end  int
	neg  bool
	corr bool
	// works is set, with neg, for a name the customer says works.
	works bool
}

var correctionCues = map[string]bool{
	"sorry": true, "actually": true, "correction": true, "meant": true, "mean": true, "wrong": true, "mistake": true, "oops": true,
	"perdon": true, "perdona": true, "disculpa": true, "disculpe": true, "corrijo": true, "realidad": true, "equivoque": true,
	"eigentlich": true, "korrektur": true, "entschuldigung": true, "falsch": true, "verzeihung": true,
	"desculpa": true, "desculpe": true, "verdade": true, "errado": true, "engano": true,
	"pardon": true, "desole": true, "fait": true, "erreur": true, "trompe": true, "trompee": true, "attendez": true,
	"scusa": true, "scusi": true, "scusate": true, "sbagliato": true, "sbagliata": true, "errore": true, "anzi": true, "correggo": true,
	"excuses": true, "eigenlijk": true, "vergist": true, "fout": true, "verkeerd": true, "bedoel": true,
	"wait": true, "desculpem": true, "enganei": true,
}

// correctionOf are the correction cues that are one only after a word:
// French "en fait" (actually), not "j'ai fait le test"; Spanish "en
// realidad"; Portuguese "na verdade". tokenize flags them only there.
var correctionOf = map[string]string{"fait": "en", "realidad": "en", "verdade": "na"}

// possessives before a name make it the customer's own thing: "my X200".
// boughtWeight scales a mention right after a purchase verb.
const boughtWeight = 1.6

// purchaseVerbs say the customer bought or ordered something, folded.
var purchaseVerbs = wordSet(`bought purchased ordered compre compramos comprado comprada comprei compraste comprato comprata comprati
achete achetee achetes commande commandee gekauft bestellt gekocht besteld kocht kochte`)

// boughtBefore reports whether a purchase verb stands just before
// toks[i], in its clause: "j'ai acheté la caméra extérieure", "ho
// comprato per sbaglio il router X300". Of several products named, the
// one bought is likelier the case's.
func boughtBefore(toks []token, i int) bool { return wordBefore(toks, i, 4, purchaseVerbs) }

var possessives = map[string]bool{
	"my": true, "mein": true, "meine": true, "mi": true, "meu": true, "minha": true, "mon": true, "ma": true,
	"mio": true, "mia": true, "mijn": true,
}

var locatives = map[string]bool{"in": true, "via": true, "through": true, "using": true, "from": true, "en": true, "im": true, "na": true, "dans": true, "über": true, "uber": true, "mit": true, "con": true, "com": true, "avec": true, "nel": true, "nella": true, "tramite": true, "via de": true, "met": true, "op": true}

// mentions finds the explicit mentions of options in the customer's
// sentences.
// They are read once per conversation and field; the slice returned is
// shared and must not be changed.
func (cf *choiceField) mentions(c *conversation) []mention {
	for _, m := range c.mentioned {
		if m.cf == cf {
			return m.ms
		}
	}
	ms := cf.shortNames(c, cf.withoutSharedModels(c, cf.mentionsIn(c, true)))
	c.mentioned = append(c.mentioned, fieldMentions{cf, ms})
	return ms
}

// withoutSharedModels returns ms without the mentions that are one word
// the label of the option named right after them shares ("Cam4
// buitencamera's": Cam4 is in "Cam4 Outdoor Camera" too): with it, they
// name that option. It returns ms itself when there are none.
func (cf *choiceField) withoutSharedModels(c *conversation, ms []mention) []mention {
	shared := func(k int) bool {
		m := ms[k]
		if m.end-m.tok != 1 {
			return false
		}
		stem := c.sents[m.sent].toks[m.tok].stem
		return slices.ContainsFunc(ms[k+1:], func(n mention) bool {
			return n.sent == m.sent && n.tok == m.end && n.opt != m.opt && n.neg == m.neg && slices.Contains(cf.opts[n.opt].labelStems, stem)
		})
	}
	var out []mention
	for k := range ms {
		switch {
		case !shared(k):
			if out != nil {
				out = append(out, ms[k])
			}
		case out == nil:
			out = append(make([]mention, 0, len(ms)-1), ms[:k]...)
		}
	}
	if out == nil {
		return ms
	}
	return out
}

// shortNames returns ms with the one-word names of an option that the
// customer only uses as the short form of another option's name they
// write in full elsewhere ("Cam4" of a customer who wrote "Cam4 Outdoor")
// given to that other option: they name the same thing. An option also
// named otherwise ("Cam4 Outdoor" and "the indoor Cam4") keeps its
// names. It returns ms itself when there are none.
func (cf *choiceField) shortNames(c *conversation, ms []mention) []mention {
	if len(ms) < 2 {
		return ms
	}
	// fullOf returns the option whose longer name, as written in the
	// conversation, holds the one word of mention m, or -1.
	fullOf := func(m mention) int {
		// A correction says what it means.
		if m.end-m.tok != 1 || m.corr {
			return -1
		}
		s := &c.sents[m.sent]
		stem := s.toks[m.tok].stem
		// "the indoor Cam4", "é a interior, a Cam4": the kind its own
		// label names says it is its own.
		if slices.ContainsFunc(s.terms, func(t term) bool {
			return !t.neg && slices.Contains(cf.opts[m.opt].labelKinds, t.key) && t.start != m.tok &&
				t.start >= m.tok-3 && t.start <= m.tok+3
		}) {
			return -1
		}
		full := -1
		for _, n := range ms {
			if n.opt == m.opt || n.end-n.tok < 2 || !slices.Contains(cf.opts[n.opt].labelStems, stem) {
				continue
			}
			if !slices.ContainsFunc(c.sents[n.sent].toks[n.tok:n.end], func(t token) bool { return t.stem == stem }) {
				continue
			}
			// "eine Cam4 Outdoor und zwei Cam4": beside the full name,
			// the short one names another thing.
			if n.sent == m.sent || full >= 0 && full != n.opt {
				return -1
			}
			full = n.opt
		}
		return full
	}
	to := make([]int, len(cf.opts))
	for i := range to {
		to[i] = -2 // not seen
	}
	for _, m := range ms {
		f := fullOf(m)
		switch {
		case f < 0:
			to[m.opt] = -1 // named otherwise: keeps its names
		case to[m.opt] == -2:
			to[m.opt] = f
		case to[m.opt] != f:
			to[m.opt] = -1
		}
	}
	var out []mention
	for k, m := range ms {
		if to[m.opt] < 0 {
			continue
		}
		if out == nil {
			out = slices.Clone(ms)
		}
		out[k].opt = to[m.opt]
	}
	if out == nil {
		return ms
	}
	return out
}

// fieldMentions are the mentions of a field's options in a conversation.
type fieldMentions struct {
	cf *choiceField
	ms []mention
}

// mentionsIn is mentions; without fuzzy, names count only as written (a
// representative spells the products right).
func (cf *choiceField) mentionsIn(c *conversation, fuzzy bool) []mention {
	var out []mention
	var buf []byte
	for si := range c.sents {
		s := &c.sents[si]
		if s.instr {
			continue
		}
		corr := anyFlag(s.toks, fCorrection)
		start := len(out)
		for i := 0; i < len(s.toks); i++ {
			if !cf.first[s.toks[i].fold[0]] && (len(s.toks[i].fold) < 5 || !cf.fuzzyFirst[s.toks[i].fold[0]]) {
				continue
			}
			// The compact window: up to four words from i.
			buf = buf[:0]
			bounds := [5]int{}
			nw := 0
			for k := i; k < len(s.toks) && k < i+4; k++ {
				if k > i && s.toks[k].brk {
					break
				}
				buf = append(buf, s.toks[k].fold...)
				nw++
				bounds[nw] = len(buf)
			}
			var best *optionName
			bestEnd := 0
			if len(buf) >= 2 {
				var short []*optionName
				if len(buf) > 2 {
					short = cf.names[string(buf[:2])]
				}
				for _, n := range joinNames(cf.names[string(buf[:min(3, len(buf))])], short) {
					if !bytes.HasPrefix(buf, n.compact) {
						continue
					}
					// The name must end at a word end, or within the last
					// word with at most three more letters ("cam" for
					// "camera", "node" for "nodes").
					ok := false
					words := 0
					for w := 1; w <= nw; w++ {
						if bounds[w] == len(n.compact) {
							ok, words = true, w
							break
						}
						if bounds[w] > len(n.compact) {
							extra := bounds[w] - len(n.compact)
							if extra <= 3 && n.lastLen >= 3 && len(n.compact)-bounds[w-1] >= 1 &&
								!(n.digitEnd && buf[len(n.compact)] >= '0' && buf[len(n.compact)] <= '9') &&
								(n.strength >= 0.9 || pluralEnding(buf[len(n.compact):bounds[w]])) {
								ok, words = true, w
							}
							break
						}
					}
					if ok && (best == nil || len(n.compact) > len(best.compact)) {
						best, bestEnd = n, i+words
					}
				}
			}
			if best == nil && fuzzy && len(s.toks[i].fold) >= 5 {
				best = cf.fuzzyMatch(s.toks[i].fold)
				bestEnd = i + 1
			}
			if best == nil || cf.opts[best.opt].nameDegree && !cf.byFieldName(s.toks, i, bestEnd) {
				continue
			}
			// A value that names a situation a negation denies ("Urgent")
			// is denied by any negation before it ("niente di urgente");
			// other values only by one that denies their identity ("not
			// the X200").
			neg := mentionNegated(s.toks, i) || cf.opts[best.opt].nameDeniable && negated(s.toks, i) || exchangedFor(s, i)
			// Named as working ("the X300 in the house is fine"): no
			// evidence for it, and ruled out unless named otherwise too
			// ("my hub's light stays on; the hub itself works").
			works := !neg && saidToWork(s, bestEnd)
			m := mention{opt: best.opt, strength: best.strength, name: best.strength, sent: si, tok: i, end: bestEnd, neg: neg || works, works: works}
			if s.part == partConfirmed {
				m.strength *= 0.6
			}
			if s.passAt > 0 && i >= s.passAt-1 {
				// "O trouwens, de app vraagt steeds om een update voor de
				// thermostaat": what is named in passing is not what the
				// need is about.
				m.strength *= retractedWeight
			}
			if cf.opts[best.opt].nameSelfAssessed {
				// Naming the customer's own verdict is no evidence of it;
				// denying it ("not urgent") still rules it out.
				m.strength = 0
			}
			if i > 0 && locatives[s.toks[i-1].fold] || i > 1 && locatives[s.toks[i-2].fold] && (s.toks[i-1].fold == "the" || s.toks[i-1].fold == "my") {
				m.strength *= 0.5
			}
			switch {
			case boughtBefore(s.toks, i):
				m.strength *= boughtWeight
			case i > 0 && possessives[s.toks[i-1].fold]:
				m.strength *= 1.3
			}
			if k := len(out) - 1; k >= start && out[k].sent == si && out[k].end == i && out[k].opt == m.opt {
				// "L1 bulb": one mention under two names.
				out[k].end = bestEnd
			} else {
				out = append(out, m)
			}
			i = bestEnd - 1
		}
		replacedIn(s, out[start:])
		if s.part == partConfirmed {
			// "Is it the X or the Y?" "yes" confirms neither.
			for k := start + 1; k < len(out); k++ {
				if out[k].opt != out[start].opt {
					out = out[:start]
					break
				}
			}
		}
		if corr {
			// In a correcting sentence the positive mentions are what the
			// customer means now; when it names the option said before
			// as well ("sorry, it's the X300 at the office, the X200 is
			// at home"), only the newly named one.
			fresh := false
			for k := start; k < len(out); k++ {
				if !out[k].neg && !namedBefore(out[:start], out[k].opt) {
					fresh = true
				}
			}
			for k := start; k < len(out); k++ {
				if !out[k].neg && (!fresh || !namedBefore(out[:start], out[k].opt)) {
					out[k].corr = true
				}
			}
		}
	}
	return out
}

// replacedIn weighs the mentions ms of sentence s by what the customer
// says of them as devices replaced or had before: the one named as old
// ("the old X200", "mi viejo router"), as what they moved from
// ("upgraded from the X200 to the X300", "vom X200 auf den X300") or in
// a year gone by is not the one they have now, the one they moved to
// is.
func replacedIn(s *sentence, ms []mention) {
	// "When I ordered the X200 from you last autumn, it came in two
	// days", "we have the X200 in the hall, the thermostat and a Cam4":
	// what the customer had a year ago, or lists of what they have, is
	// not what they write about.
	gone := s.background()
	for k := range ms {
		m := &ms[k]
		if gone || wordBefore(s.toks, m.tok, 2, formerWords) {
			m.strength *= formerWeight
		}
		if k+1 < len(ms) && ms[k+1].opt != m.opt && wordBefore(s.toks, m.tok, 2, fromWords) && wordBefore(s.toks, ms[k+1].tok, 2, toWords) &&
			!clauseBreak(s.toks, m.end, ms[k+1].tok+1) {
			m.strength *= formerWeight
			ms[k+1].strength /= formerWeight
		}
	}
}

// formerWeight is what a device named as replaced weighs against
// others.
const formerWeight = 0.5

// formerWords name a device as replaced, folded.
var formerWords = wordSet(`old former previous viejo vieja antiguo antigua anterior alter alte alten altes vorherige vorherigen velho velha antigo ancien ancienne precedent vecchio vecchia precedente oude vorige`)

// fromWords and toWords name what a change of device goes from and to,
// folded.
var (
	fromWords = wordSet(`from del de von vom do da du dal dalla van`)
	toWords   = wordSet(`to al a auf zum zur para pro pelo au dans al alla naar`)
)

// saidToWork reports whether the clause after a name, from token end,
// says the thing works ("the X300 in the house is fine", "el X200
// funciona bien", "the X300 covers the whole house"): it is named as
// what is not the problem.
func saidToWork(s *sentence, end int) bool {
	last := end
	for last < len(s.toks) && last < end+6 && (last == end || !s.toks[last].brk) {
		last++
	}
	for _, t := range s.terms {
		if (t.key == "#works" || t.key == "#fine" || t.key == "#coverage") && !t.neg && !t.implied && t.start >= end && t.start < last {
			// "works during the day, but at night ..." is no verdict.
			return !anyFlag(s.toks[t.start:], fContrast)
		}
	}
	return false
}

// contrastWords turn what came before them in a sentence into a
// concession: "it works, but ...".
var contrastWords = map[string]bool{
	"but": true, "however": true, "except": true, "only": true, "pero": true, "excepto": true, "salvo": true, "aber": true, "ausser": true, "nur": true,
	"mas": true, "porem": true, "exceto": true, "mais": true, "sauf": true, "seulement": true, "ma": true, "tranne": true, "solo": true,
	"maar": true, "behalve": true, "alleen": true,
}

// namedBefore reports whether ms holds a positive mention of opt.
func namedBefore(ms []mention, opt int) bool {
	for _, m := range ms {
		if m.opt == opt && !m.neg {
			return true
		}
	}
	return false
}

// hasPlainTerm reports whether ts holds key, not negated and said rather
// than implied.
func hasPlainTerm(ts []term, key string) bool {
	for _, t := range ts {
		if t.key == key && !t.neg && !t.implied {
			return true
		}
	}
	return false
}

// pluralEnding reports whether the letters a weak name is followed by
// only make it plural ("hubs"): a common word such as "high" or "plan"
// is not named by "higher" or "planned".
func pluralEnding(b []byte) bool {
	return string(b) == "s" || string(b) == "es"
}

// fuzzyMatch returns a long single-word name within a small edit distance
// of w.
func (cf *choiceField) fuzzyMatch(w string) *optionName {
	for _, n := range cf.fuzzy {
		if w[0] != n.compact[0] {
			continue
		}
		d := len(w) - len(n.compact)
		if d < -2 || d > 2 {
			continue
		}
		limit := 1
		if len(n.compact) >= 9 {
			limit = 2
		}
		if string(n.compact) == w {
			continue
		}
		if editDistance(w, string(n.compact), limit) <= limit {
			return n
		}
	}
	return nil
}

// editDistance is the optimal string alignment distance of a and b,
// giving up (returning limit+1) once it exceeds limit.
func editDistance(a, b string, limit int) int {
	if len(a) > 64 || len(b) > 64 {
		return limit + 1
	}
	var rows [3][65]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		lo := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			lo = min(lo, v)
		}
		if lo > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// choiceResult is the outcome for one option field.
type choiceResult struct {
	opt   int
	conf  float64
	quote []quoteRef
	// kind and score are the evidence the confidence was read from (see
	// calibration).
	kind  string
	score float64
}

// Kinds of evidence for an option, the keys of the calibration table.
const (
	// kindCorrection: the customer corrects themselves and names the
	// option ("sorry, it's the X300"); the score is 1.
	kindCorrection = "choice.correction"
	// kindMention: an option named outright; the score is its margin over
	// the next named option, as a share of its own weight.
	kindMention = "choice.mention"
	// kindSimilarity: the customer's words meet the option's label and
	// description; the score is its share of the evidence.
	kindSimilarity = "choice.similarity"
	// kindSimilarityNamed: as kindSimilarity, the option also being
	// named, or the situation its one-word value names said in other
	// words.
	kindSimilarityNamed = "choice.similarity.named"
	// kindSimilarityCrowded: as kindSimilarity, with crowdedRivals or
	// more other options that the words also meet, as in a field of many
	// fine-grained options.
	kindSimilarityCrowded = "choice.similarity.crowded"
)

// manyOptions is the number of options above which a field's answers
// are measured apart (kinds ending in kindManySuffix): among many
// fine-grained options the same evidence is right less often.
const manyOptions = 12

// kindManySuffix marks the kinds of evidence of a field of many options.
const kindManySuffix = ".many"

// kindOf returns the kind of evidence for this field.
func (cf *choiceField) kindOf(kind string) string {
	if len(cf.opts) > manyOptions {
		return kind + kindManySuffix
	}
	return kind
}

// crowdedRivals is how many other options with evidence make an answer
// by similarity a crowded one.
const crowdedRivals = 3

type quoteRef struct {
	sent int
	i, j int  // token range; j == 0 means the whole sentence
	rep  bool // sent indexes the representative's statements (conversation.rep)
}

// similarity scores the options against the bag of customer terms.
func (cf *choiceField) similarity(c *conversation, excluded []bool) []float64 {
	scores := make([]float64, len(cf.opts))
	var counted []weighted
	for i := range cf.opts {
		if excluded[i] {
			continue
		}
		o := &cf.opts[i]
		counted = cf.countCues(c, o.cues, counted[:0])
		var s float64
		for _, t := range counted {
			// Words the lexicon does not know weigh as much as its
			// concepts: in a schema of the tenant's own terms ("top-up",
			// "withdrawal") they carry the meaning.
			s += t.w * cf.idf[t.key] * saturate(c.bag[t.key])
		}
		s /= o.norm
		counted = cf.countCues(c, o.negCues, counted[:0])
		for _, t := range counted {
			tf := c.bag[t.key]
			idf := cf.idf[t.key]
			if idf == 0 {
				idf = math.Log(1 + (float64(len(cf.opts))+1)/0.5)
			}
			s -= 0.5 * t.w * idf * saturate(tf)
		}
		scores[i] = s
	}
	return scores
}

// frameConcepts say that the customer asks or requests, not what about.
var frameConcepts = map[string]bool{"#howto": true, "#question": true, "#request": true}

// framesOnly reports whether the terms of cue present in the customer's
// text (bag holds their weights there) are all frames.
func framesOnly(cue []weighted, bag []float64) bool {
	for k, t := range cue {
		if bag[k] >= 0.5 && t.kind&kindFrame == 0 {
			return false
		}
	}
	return true
}

// countCues returns the terms of cues that count for the customer's text,
// each once with its greatest weight: all present terms of a phrase that
// has one, or more than one, or any situation concept present; a generic
// noun alone does not count.
func (cf *choiceField) countCues(c *conversation, cues [][]weighted, out []weighted) []weighted {
	var bagBuf [16]float64
	problem := c.bag["#problem"]
	for _, cue := range cues {
		bag := bagBuf[:0]
		present, pred, missingEntity, missingPred := 0, false, false, false
		for _, t := range cue {
			v := c.bag[t.key]
			bag = append(bag, v)
			if v < 0.5 && t.kind&kindPredicate != 0 {
				missingPred = true
			}
			if t.kind&kindSelfAssessed != 0 {
				// The customer's verdict alone meets no phrase.
				continue
			}
			// Faint signals ("fine" somewhere) do not make a phrase count.
			if v >= 0.5 {
				present++
				pred = pred || t.kind&kindPredicate != 0
			} else if v == 0 && t.kind&kindEntity != 0 {
				missingEntity = true
			}
		}
		if present == 0 {
			continue
		}
		scale := 1.0
		if len(cue) > 1 && framesOnly(cue, bag) {
			// "how to contact customer service" is not met by any
			// question: only its frame is there.
			scale = 0.6
		}
		if missingEntity {
			scale = 0.5
		}
		if len(cue) == 1 && !pred && cue[0].kind&kindNoun != 0 {
			// A phrase that comes down to a generic noun ("where is my
			// order" to the order): the customer naming the thing says
			// little of what they want with it.
			scale *= 0.5
		}
		loneProblem := false
		if len(cue) > 1 && present < 2 && !pred {
			// A lone generic noun: only the generic "problem" counts, and
			// little.
			if problem == 0 {
				continue
			}
			scale, loneProblem = 0.35, true
		}
		// The generic "problem" backs a phrase fully only when the
		// phrase's situations are all there (missingPred): "a problem
		// with a workaround" is not met by any problem.
		for k, t := range cue {
			if bag[k] == 0 || loneProblem && t.key != "#problem" || t.kind&kindSelfAssessed != 0 {
				continue
			}
			t.w *= scale
			if t.key == "#problem" && missingPred && !loneProblem {
				t.w *= 0.5
			}
			dup := false
			for k := range out {
				if out[k].key == t.key {
					out[k].w = max(out[k].w, t.w)
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, t)
			}
		}
	}
	return out
}

// evidenceFor returns the customer sentences whose terms speak for the
// option, best first, at most n.
func (cf *choiceField) evidenceFor(c *conversation, opt int, n int) []quoteRef {
	o := &cf.opts[opt]
	type scored struct {
		ref quoteRef
		s   float64
	}
	var all []scored
	for si := range c.sents {
		s := &c.sents[si]
		if s.instr || s.part == partConfirmed || s.settled {
			continue
		}
		v := cf.speaksFor(o, s.terms)
		if v > 0 {
			all = append(all, scored{quoteRef{sent: si}, v})
		}
	}
	// A representative's statement that counted ("that isn't possible
	// yet") backs the customer's words, after them.
	for si := range c.rep {
		v := cf.speaksFor(o, c.rep[si].terms)
		if v > 0 {
			all = append(all, scored{quoteRef{sent: si, rep: true}, v})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].ref.rep != all[j].ref.rep {
			return !all[i].ref.rep
		}
		return all[i].s > all[j].s
	})
	var out []quoteRef
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].ref)
	}
	return out
}

// speaksFor weighs how much terms speak for option o: the option's
// weight of each term by its rarity.
func (cf *choiceField) speaksFor(o *optionModel, terms []term) float64 {
	var v float64
	for _, t := range terms {
		if p := o.pos[t.key]; p != 0 {
			v += p * cf.idf[t.key]
		}
	}
	return v
}

// choiceScores is what the mentions in a conversation say of each option
// of a choice field: the mentions, the options they rule out, each
// option's mention weight and strongest mention, and (once computed) the
// description similarity.
type choiceScores struct {
	ms        []mention
	excluded  []bool
	ment      []float64
	strongest []float64
	sim       []float64
	// repOpt is the option a representative named when the customer
	// named none (-1 for none), and repQuote where.
	repOpt   int
	repQuote []quoteRef
}

// predict decides an option field: a correction or a strong explicit
// mention, else the classifier, else description similarity.
func (cf *choiceField) predict(c *conversation, cl Classifier, cal calibration, minConf float64, known any) (choiceResult, bool) {
	if len(cf.opts) == 0 || len(c.sents) == 0 {
		return choiceResult{}, false
	}
	sc, lastCorr := cf.scoreMentions(c)
	ms, ment, strongest, excluded := sc.ms, sc.ment, sc.strongest, sc.excluded
	if lastCorr >= 0 && ms[lastCorr].strength >= 0.6 {
		m := ms[lastCorr]
		kind := cf.kindOf(kindCorrection)
		conf := cal.confidence(kind, 1)
		if conf < minConf {
			return choiceResult{}, false
		}
		return choiceResult{opt: m.opt, conf: conf, quote: []quoteRef{{sent: m.sent}}, kind: kind, score: 1}, true
	}
	best, second := argTop2(ment)
	strong := 0.9
	if cf.bare {
		strong = 1 // only model codes and the like
	}
	// A name decides unless another option's description fits the
	// customer's words better: "the exchange rate looks wrong" names the
	// option "exchange rate", yet one described as a wrong exchange rate
	// on a card payment fits better. A model code ("X200") always decides.
	if best >= 0 && strongest[best] >= strong && strongest[best] < 1 && !cf.bare {
		sc.sim = cf.similarity(c, excluded)
		for i := range sc.sim {
			if i != best && sc.sim[i] > sc.sim[best] && sc.sim[i] > 0 {
				strong = math.Inf(1)
				break
			}
		}
	}
	if best >= 0 && strongest[best] >= strong {
		margin := ment[best] - max(second, 0)
		ratio := math.Min(1, margin/ment[best])
		kind := cf.kindOf(kindMention)
		conf := cal.confidence(kind, ratio)
		if conf < minConf {
			return choiceResult{}, false
		}
		return choiceResult{opt: best, conf: conf, quote: mentionQuote(ms, best), kind: kind, score: ratio}, true
	}
	if cl != nil {
		if res, ok := cf.byClassifier(c, cl, minConf, excluded); ok {
			return res, true
		}
	}
	if cf.bare {
		return choiceResult{}, false
	}
	return cf.bySimilarity(c, sc, cal, minConf, known)
}

// scoreMentions weighs the mentions of the options in c, and returns
// them with the index of the last correction that corrects something
// (another option named before it), or -1.
func (cf *choiceField) scoreMentions(c *conversation) (*choiceScores, int) {
	ms := cf.mentions(c)
	excluded := make([]bool, len(cf.opts))
	// An option negated after its last positive mention is out.
	lastPos := make([]int, len(cf.opts))
	for i := range lastPos {
		lastPos[i] = -1
	}
	for k, m := range ms {
		if !m.neg {
			lastPos[m.opt] = k
		}
	}
	othersNamed := func(opt int) bool {
		for o, k := range lastPos {
			if o != opt && k >= 0 {
				return true
			}
		}
		return false
	}
	for k, m := range ms {
		if m.neg && k > lastPos[m.opt] && (!m.works || lastPos[m.opt] < 0 && othersNamed(m.opt)) {
			excluded[m.opt] = true
		}
	}
	ment := make([]float64, len(cf.opts))
	strongest := make([]float64, len(cf.opts))
	var lastCorr = -1
	for k, m := range ms {
		if m.neg || excluded[m.opt] {
			continue
		}
		w := c.weights[c.sents[m.sent].order]
		// "Ich möchte das M10 Zweierpack zurückschicken": the thing the
		// customer asks the company to act on is the case's, more than
		// one named in passing later ("den X300 behalte ich"), unless the
		// customer corrects it.
		if !c.corrects && namesCompanyAct(&c.sents[m.sent]) {
			w *= actWeight
		}
		ment[m.opt] += m.strength * w
		strongest[m.opt] = max(strongest[m.opt], m.strength)
		if m.corr {
			lastCorr = k
		}
	}
	cf.addConceptMentions(c, ms, excluded, ment)
	cf.addHeadMentions(c, ms, excluded, ment)
	repOpt, repQuote := -1, []quoteRef(nil)
	if cf.labelled && !slices.ContainsFunc(ms, func(m mention) bool { return !m.neg }) && !slices.ContainsFunc(ment, func(x float64) bool { return x > 0 }) {
		repOpt, repQuote = cf.addRepNames(c, excluded, ment)
	}
	// A correction corrects something: another option named before it.
	if lastCorr >= 0 {
		before := false
		for _, m := range ms[:lastCorr] {
			if m.opt != ms[lastCorr].opt && m.sent != ms[lastCorr].sent {
				before = true
				break
			}
		}
		if !before {
			lastCorr = -1
		}
	}
	return &choiceScores{ms: ms, excluded: excluded, ment: ment, strongest: strongest, repOpt: repOpt, repQuote: repQuote}, lastCorr
}

// nameLikeWeight is the least a phrase weighs to name a concept.
const nameLikeWeight = 0.75

// addConceptMentions adds to ment the concept a one-word value names,
// said in other words or another language: it counts as a mention where
// the value is not named as such. A phrase that only hints at the
// concept ("still in the box" for a return) weighs less than a name and
// is no mention.
func (cf *choiceField) addConceptMentions(c *conversation, ms []mention, excluded []bool, ment []float64) {
	for si := range c.sents {
		s := &c.sents[si]
		if s.instr || s.part == partConfirmed || s.settled {
			continue
		}
		for i := range cf.opts {
			o := &cf.opts[i]
			if o.nameKey == "" || excluded[i] || !slices.ContainsFunc(s.terms, func(t term) bool {
				return t.key == o.nameKey && !t.neg && !t.implied && t.w >= nameLikeWeight
			}) {
				continue
			}
			named := false
			for _, m := range ms {
				if m.sent == si && m.opt == i {
					named = true
					break
				}
			}
			if !named && !o.nameSelfAssessed {
				ment[i] += o.nameW * c.weights[s.order] * c.topic(o.nameKey)
			}
		}
	}
}

// actWeight scales the mentions of a sentence that asks the company to
// act (send back, replace, refund).
const actWeight = 1.5

// repNameWeight is what a representative's statement that names one
// option adds when the customer named none: "Those white boxes are our
// M10 mesh nodes", and the customer goes on about them.
const repNameWeight = 0.5

// addRepNames adds to ment the one option the representatives' statements
// name, when they name only one, and keeps the statement to quote.
func (cf *choiceField) addRepNames(c *conversation, excluded []bool, ment []float64) (int, []quoteRef) {
	sents := c.repStatements(cf.nameStarts)
	if len(sents) == 0 {
		return -1, nil
	}
	tmp := conversation{sents: sents}
	var named *mention
	for _, m := range cf.mentionsIn(&tmp, false) {
		if m.neg || excluded[m.opt] {
			continue
		}
		if named != nil && named.opt != m.opt {
			return -1, nil
		}
		named = &m
	}
	if named == nil {
		return -1, nil
	}
	s := sents[named.sent]
	ment[named.opt] += repNameWeight * c.weights[s.order]
	k := slices.IndexFunc(c.rep, func(r sentence) bool { return r.msg == s.msg && r.start == s.start })
	if k < 0 {
		k = len(c.rep)
		c.rep = append(c.rep, s)
	}
	return named.opt, []quoteRef{{sent: k, i: named.tok, j: named.end, rep: true}}
}

// headWeight is what a shared noun ("the router") adds to the one option
// it can refer to.
const headWeight = 0.5

// addHeadMentions adds to ment the nouns shared by several options'
// labels that the customer uses for one of them: after naming the X300
// only, "the router" is the X300.
func (cf *choiceField) addHeadMentions(c *conversation, ms []mention, excluded []bool, ment []float64) {
	if len(cf.heads) == 0 {
		return
	}
	for si := range c.sents {
		s := &c.sents[si]
		if s.instr || s.third || s.part == partConfirmed || s.settled {
			continue
		}
		for i := range s.toks {
			os := cf.heads[s.toks[i].fold]
			if os == nil {
				os = cf.heads[strings.TrimSuffix(s.toks[i].fold, "s")]
			}
			if os == nil || nearMention(ms, si, i) || mentionNegated(s.toks, i) {
				continue
			}
			only := -1
			for _, o := range os {
				if ment[o] > 0 && !excluded[o] {
					if only >= 0 {
						only = -1
						break
					}
					only = o
				}
			}
			if only >= 0 {
				ment[only] += headWeight * c.weights[s.order]
			}
		}
	}
}

// nearMention reports whether token i of sentence si is part of a
// mention or stands right before or after one: "il router X200" names
// the X200 once.
func nearMention(ms []mention, si, i int) bool {
	for _, m := range ms {
		if m.sent == si && i >= m.tok-1 && i <= m.end {
			return true
		}
	}
	return false
}

// mentionQuote quotes the last positive mention of option opt in ms.
func mentionQuote(ms []mention, opt int) []quoteRef {
	for k := len(ms) - 1; k >= 0; k-- {
		if ms[k].opt == opt && !ms[k].neg {
			return []quoteRef{{sent: ms[k].sent, i: ms[k].tok, j: ms[k].end}}
		}
	}
	return nil
}

// byClassifier is the classifier's answer, when it names an option that
// is not excluded with at least minConf and there is evidence to quote.
func (cf *choiceField) byClassifier(c *conversation, cl Classifier, minConf float64, excluded []bool) (choiceResult, bool) {
	label, conf := cl.Classify(c.customerText())
	if label == "" || conf < minConf || conf > 1 {
		return choiceResult{}, false
	}
	for i := range cf.opts {
		if strings.EqualFold(cf.opts[i].value, label) && !excluded[i] {
			q := cf.evidenceFor(c, i, 2)
			if len(q) == 0 {
				q = fallbackEvidence(c)
			}
			if len(q) == 0 {
				break
			}
			return choiceResult{opt: i, conf: conf, quote: q}, true
		}
	}
	return choiceResult{}, false
}

// bySimilarity decides by description similarity, mentions adding to it.
func (cf *choiceField) bySimilarity(c *conversation, sc *choiceScores, cal calibration, minConf float64, known any) (choiceResult, bool) {
	sim, ment := sc.sim, sc.ment
	if sim == nil {
		sim = cf.similarity(c, sc.excluded)
	}
	for i := range sim {
		sim[i] += 2.5 * ment[i]
	}
	// What the customer's words say (the description similarity, before
	// the intent model's reading) decides whether the case's value may
	// change on one message.
	plain := sim
	// The intent model's reading of the kind of request decides among
	// the options the customer's words speak for; it promotes none they
	// do not (a forwarded message of someone else's, a wish told with
	// "pay" and "subscription").
	if i, boost := cf.intentBoost(c); i >= 0 && !sc.excluded[i] && sim[i] > 0 {
		sim = slices.Clone(sim)
		sim[i] += boost
	}
	b, _ := argTop2(sim)
	if b < 0 || sim[b] <= 0 {
		return choiceResult{}, false
	}
	share := softmaxShare(sim, b)
	if share < minShare {
		return choiceResult{}, false
	}
	kind := kindSimilarity
	if ment[b] > 0 {
		kind = kindSimilarityNamed
	}
	rivals := 0
	for i, x := range sim {
		if i != b && x > 0 {
			rivals++
		}
	}
	if rivals >= crowdedRivals {
		kind = kindSimilarityCrowded
	}
	kind = cf.kindOf(kind)
	conf := cal.confidence(kind, share)
	if conf < minConf {
		return choiceResult{}, false
	}
	// The case already says otherwise and all there is to go on is one
	// message (an email reply, say): description similarity alone changes
	// the value only when it is clear.
	// A customer who says it got worse says the value is out of date.
	if k, ok := known.(string); ok && k != "" && len(c.customer) == 1 && !c.worse &&
		!strings.EqualFold(k, cf.opts[b].value) && (plain[b] <= 0 || 0.4+0.55*shareAmongAll(plain, b) < minChangeConfidence) {
		return choiceResult{}, false
	}
	q := mentionQuote(sc.ms, b)
	if len(q) == 0 && sc.repOpt == b {
		q = sc.repQuote
	}
	q = append(q, cf.evidenceFor(c, b, 2)...)
	if len(q) == 0 {
		return choiceResult{}, false
	}
	return choiceResult{opt: b, conf: conf, quote: q, kind: kind, score: share}, true
}

func argTop2(v []float64) (best int, second float64) {
	best = -1
	second = math.Inf(-1)
	for i, x := range v {
		if best < 0 || x > v[best] {
			if best >= 0 {
				second = v[best]
			}
			best = i
		} else if x > second {
			second = x
		}
	}
	if best >= 0 && math.IsInf(second, -1) {
		second = 0
	}
	return best, second
}

// customerText is the text a classifier reads: the customer's own
// sentences, instructions and what they pass on of someone else's (a
// forwarded message another wrote) left out.
func (c *conversation) customerText() string {
	var b strings.Builder
	last := -1
	for i := range c.sents {
		s := &c.sents[i]
		if s.instr || s.third || s.part == partConfirmed {
			continue
		}
		if b.Len() > 0 {
			if s.order != last || s.part == partSubject {
				b.WriteString("\n\n")
			} else {
				b.WriteByte(' ')
			}
		}
		last = s.order
		b.WriteString(s.text())
	}
	return b.String()
}

// identityNegators deny what follows: "not the X200", "no es el X200",
// "nicht der X200", "não é o X200", "pas le X200".
var identityNegators = map[string]bool{
	"not": true, "no": true, "isnt": true, "wasnt": true, "never": true, "nicht": true, "kein": true, "keine": true, "keinen": true,
	"nao": true, "pas": true, "non": true, "ni": true, "nem": true, "nor": true, "neither": true,
	"niet": true, "geen": true, "nessun": true, "nessuna": true,
}

// fillers may stand between such a negator and the name.
var fillers = map[string]bool{
	"the": true, "a": true, "an": true, "my": true, "it": true, "its": true, "is": true, "was": true, "that": true, "this": true,
	"el": true, "la": true, "los": true, "las": true, "un": true, "una": true, "es": true, "mi": true,
	"der": true, "die": true, "das": true, "den": true, "dem": true, "ein": true, "eine": true, "mein": true, "meine": true, "ist": true, "es ist": true,
	"o": true, "os": true, "as": true, "e": true, "um": true, "uma": true, "meu": true, "minha": true,
	"le": true, "les": true, "une": true, "est": true, "c": true, "mon": true, "ma": true,
	"il": true, "lo": true, "uno": true, "mio": true, "mia": true, "het": true, "de": true, "een": true, "mijn": true,
}

// mentionNegated reports whether the name at toks[i] is denied.
func mentionNegated(toks []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		w := toks[j].fold
		switch {
		case toks[j].is(fIdentityNeg):
			return true
		case w == "of" && j > 0 && toks[j-1].fold == "instead", w == "than" && j > 0 && toks[j-1].fold == "rather",
			w == "statt" || w == "anstatt" || w == "instead" || w == "lugar" || w == "vez" || w == "lieu":
			return true
		case !toks[j].is(fFiller):
			return false
		}
		if toks[j].brk {
			return false
		}
	}
	return false
}

// fallbackEvidence quotes the customer's most informative sentence, or
// else their first, for an answer that no single phrase explains.
func fallbackEvidence(c *conversation) []quoteRef {
	if picked, _ := describe(c, 1<<20, 1); len(picked) > 0 {
		return []quoteRef{{sent: picked[0].idx}}
	}
	for i := range c.sents {
		if !c.sents[i].instr && c.sents[i].part != partConfirmed {
			return []quoteRef{{sent: i}}
		}
	}
	return nil
}

// joinNames iterates over two lists of names without copying them.
func joinNames(a, b []*optionName) func(func(int, *optionName) bool) {
	return func(yield func(int, *optionName) bool) {
		for i, n := range a {
			if !yield(i, n) {
				return
			}
		}
		for i, n := range b {
			if !yield(len(a)+i, n) {
				return
			}
		}
	}
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// noneScore is the score of "none of the options", which takes its share
// of the confidence when the evidence is weak.
const noneScore = 0.5

// minChangeConfidence is the raw confidence (0.4 + 0.55 × the share
// among all options) that description similarity needs to answer other
// than the value the case already has.
const minChangeConfidence = 0.7

// minShare is the least share of the evidence the best option needs for
// an answer.
const minShare = 0.3

// softmaxShare turns option scores into the share of the best one, next
// to a "none of them" alternative, with a temperature that grows with the
// best score so that a clear winner is not overconfident and a faint one
// is not trusted.
func softmaxShare(scores []float64, best int) float64 {
	top := scores[best]
	temp := 0.35 + 0.25*top
	var sum float64
	for i, s := range scores {
		// Options without evidence are the "none of them" alternative,
		// counted once below: a field with many options does not dilute
		// a clear winner.
		if s > 0 || i == best {
			sum += math.Exp((s - top) / temp)
		}
	}
	sum += math.Exp((noneScore - top) / temp)
	return 1 / sum
}

// shareAmongAll is softmaxShare with every option taking its share,
// those without evidence too: the stricter reading that changing a value
// the case already has asks for.
func shareAmongAll(scores []float64, best int) float64 {
	top := scores[best]
	temp := 0.35 + 0.25*top
	var sum float64
	for _, s := range scores {
		sum += math.Exp((s - top) / temp)
	}
	sum += math.Exp((noneScore - top) / temp)
	return 1 / sum
}

// tfSaturation is BM25's k1: how fast repeated evidence stops adding up.
const tfSaturation = 3

// saturate is the BM25 term-frequency factor of a weighted count.
func saturate(tf float64) float64 { return tf * (tfSaturation + 1) / (tf + tfSaturation) }
