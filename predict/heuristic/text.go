package heuristic

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/caseagent/caseagent/internal/textfold"
)

// token is one word of a text: its folded form (lower case, without
// diacritics, without apostrophes) and where it is in the original.
type token struct {
	fold  string
	stem  string
	start int // byte offsets in the original text
	end   int
	// brk is set when a clause boundary (punctuation other than an
	// apostrophe or a hyphen inside a word) comes right before the token.
	brk bool
	// flags are the word lists the word is on (see wordFlags).
	flags uint32
}

// Word lists a token may be on, looked up once when it is read.
// The lists most read, word by word, in every sentence are flags too,
// so that reading them costs no lookup.
const (
	fStop uint32 = 1 << iota
	fNeg
	fSmallTalk
	fCorrection
	fFiller
	fIdentityNeg
	fContrast
	fWant
	fNetwork
	fGuest
	fGiving
	fPeriod
	fLast
	fGone
	fJoining
	fSubject
)

func (t *token) is(f uint32) bool { return t.flags&f != 0 }

// anyFlag reports whether one of toks is on one of the lists f.
func anyFlag(toks []token, f uint32) bool {
	for i := range toks {
		if toks[i].flags&f != 0 {
			return true
		}
	}
	return false
}

var wordFlags = sync.OnceValue(func() map[string]uint32 {
	m := map[string]uint32{}
	for _, l := range []struct {
		words map[string]bool
		flag  uint32
	}{
		{stopWords, fStop}, {negators, fNeg}, {smallTalk, fSmallTalk},
		{correctionCues, fCorrection}, {fillers, fFiller}, {identityNegators, fIdentityNeg},
		{contrastWords, fContrast}, {wantWords, fWant}, {networkWords, fNetwork}, {guestWords, fGuest},
		{givingWords, fGiving}, {periodWords, fPeriod}, {lastWords, fLast}, {goneWords, fGone},
		{joiningWords, fJoining}, {subjectPronouns, fSubject},
	} {
		for w := range l.words {
			m[w] |= l.flag
		}
	}
	return m
})

// fold returns s lower-cased without diacritics.
func fold(s string) string { return textfold.Plain(s) }

func isWordRune(r rune) bool {
	return r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == '‘' || r == '`' }

// elisions are the French and Italian articles, pronouns and
// prepositions written before an apostrophe ("l'app", "dall'app",
// "un'altra"); they are split off as words of their own.
var elisions = map[string]bool{"l": true, "d": true, "j": true, "n": true, "qu": true, "c": true, "s": true, "m": true, "t": true,
	"dall": true, "dell": true, "nell": true, "sull": true, "coll": true, "un": true, "quest": true, "quell": true}

// tokenize splits s into words. An apostrophe inside a word joins its two
// halves ("doesn't" is "doesnt"), except after a French elision ("l'app"
// is "l" and "app").
func tokenize(s string, out []token) []token {
	flags := wordFlags()
	first := len(out) // out may hold another text's words before s's
	var buf []byte
	i := 0
	brk := true
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			inWord := (r == '-' || r == '/') && i > 0 && i+n < len(s) && isWordByte(s[i-1]) && isWordByte(s[i+n])
			if !isApostrophe(r) && !inWord && r != ' ' && r != '\t' && r != '"' && r != '*' && r != '\'' {
				brk = true
			}
			i += n
			continue
		}
		start := i
		buf = buf[:0]
		end := i
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				buf = textfold.AppendRune(buf, r)
				i += n
				end = i
				continue
			}
			if isApostrophe(r) && i+n < len(s) {
				r2, _ := utf8.DecodeRuneInString(s[i+n:])
				if isWordRune(r2) {
					if elisions[string(buf)] {
						break
					}
					i += n
					continue
				}
			}
			break
		}
		// A word already in folded form (most are) is the text's own
		// substring: no copy.
		w := s[start:end]
		if string(buf) != w {
			w = string(buf)
		}
		w = withoutZu(w)
		f := flags[w]
		elided := false
		if i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if isApostrophe(r) {
				i += n
				elided = true
			}
		}
		if w == "n" && !elided {
			// "n'" negates; a lone "n" is a number sign ("commande n°
			// ORD-...") or a letter.
			f &^= fNeg
		}
		if before, ok := correctionOf[w]; ok && (len(out) == first || out[len(out)-1].fold != before) {
			// "j'ai fait le test" corrects nothing; "en fait" does.
			f &^= fCorrection
		}
		out = append(out, token{fold: w, stem: stem(w), start: start, end: end, brk: brk, flags: f})
		brk = false
	}
	return out
}

// zuPrefixes are the German separable prefixes an infinitive takes "zu"
// after ("umzutauschen", "zurückzuschicken"), folded, longest first.
var zuPrefixes = func() []string {
	ps := strings.Fields(`zusammen zuruck heraus herein hinaus wieder durch unter hinzu dazu fest fort
		auf aus bei ein her hin los mit nach vor weg uber ab an um zu`)
	slices.SortStableFunc(ps, func(a, b string) int { return len(b) - len(a) })
	return ps
}()

// withoutZu returns a German infinitive with "zu" inside it as the plain
// infinitive ("umzutauschen" is "umtauschen", "hinzuzufügen" is
// "hinzufügen"), and any other word as it is. The longest prefix the
// word begins with decides: "hinzufügen" begins with "hinzu", not with
// "hin" and a "zu".
func withoutZu(w string) string {
	if len(w) < 9 || !strings.HasSuffix(w, "n") {
		return w
	}
	for _, p := range zuPrefixes {
		rest, ok := strings.CutPrefix(w, p)
		if !ok {
			continue
		}
		if rest, ok = strings.CutPrefix(rest, "zu"); ok && len(rest) >= 4 && (strings.HasSuffix(rest, "en") || strings.HasSuffix(rest, "ern") || strings.HasSuffix(rest, "eln")) {
			return p + rest
		}
		return w
	}
	return w
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// suffixes are stripped, longest first, to conflate inflections of the
// supported languages. The result is a matching key, not a word.
var suffixes = []string{
	"ations", "ation", "ements", "ement", "ments", "ment", "ings", "ing", "ness",
	"ciones", "cion", "coes", "cao", "ungen", "ung", "iert", "ieren",
	"ies", "ied", "ers", "ed", "es", "en", "er", "ly", "e", "s", "a", "o",
}

// stem strips one inflectional suffix from a folded word.
func stem(w string) string {
	if len(w) <= 4 || hasDigit(w) {
		return w
	}
	for _, suf := range suffixes {
		if len(w)-len(suf) >= 4 && strings.HasSuffix(w, suf) {
			if suf == "ies" || suf == "ied" {
				return w[:len(w)-3] + "y"
			}
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

// sentence is a span of a text.
type span struct{ start, end int }

// sentences splits s into sentences and lines: at '.', '!' or '?' followed
// by white space or the end, and at line breaks. Spans are trimmed and
// never empty.
func sentences(s string) []span {
	var out []span
	start := 0
	emit := func(end int) {
		a, b := start, end
		for a < b && isSpaceByte(s[a]) {
			a++
		}
		for b > a && isSpaceByte(s[b-1]) {
			b--
		}
		if a < b {
			out = append(out, span{a, b})
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\n':
			emit(i)
			start = i + 1
		case '.', '!', '?':
			j := i + 1
			for j < len(s) && (s[j] == '.' || s[j] == '!' || s[j] == '?' || s[j] == ')' || s[j] == '"') {
				j++
			}
			if j == len(s) || isSpaceByte(s[j]) {
				emit(j)
				start = j
				i = j - 1
			}
		}
	}
	emit(len(s))
	return out
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// negators open a negation scope over the next few words of a clause.
var negators = map[string]bool{
	// English
	"not": true, "no": true, "never": true, "dont": true, "doesnt": true, "didnt": true,
	"isnt": true, "wasnt": true, "arent": true, "werent": true, "cant": true, "cannot": true,
	"couldnt": true, "wont": true, "wouldnt": true, "havent": true, "hasnt": true, "hadnt": true,
	"without": true, "nothing": true, "nobody": true, "instead": true, "rather": true, "neither": true, "nor": true,
	// Spanish, Portuguese
	"nunca": true, "nada": true, "nenhum": true, "nenhuma": true, "ningun": true, "ninguna": true, "sin": true, "ni": true, "tampoco": true, "nao": true, "nem": true, "sem": true,
	// German
	"nicht": true, "nichts": true, "kein": true, "keine": true, "keinen": true, "keiner": true, "keinem": true, "nie": true, "niemals": true, "ohne": true, "statt": true, "anstatt": true,
	// French
	"pas": true, "rien": true, "ne": true, "n": true, "sans": true, "jamais": true, "aucun": true, "aucune": true, "non": true, "plutot": true,
	// Italian
	"niente": true, "nulla": true, "nessun": true, "nessuno": true, "nessuna": true, "senza": true, "neanche": true, "nemmeno": true,
	// Dutch
	"niet": true, "geen": true, "nooit": true, "niets": true, "niks": true, "zonder": true,
}

// negated reports whether the word at index i is inside a negation scope:
// a negator at most three words before it in the same clause, function
// words not counted (at most five in all), so that "sans lui donner mon
// mot de passe" is negated as "without giving my password" is.
func negated(toks []token, i int) bool {
	if i < len(toks) && toks[i].brk {
		// "fica no quarto dela, funciona muito bem": a negator before
		// the clause does not reach into it.
		return false
	}
	content := 0
	for j := i - 1; j >= 0 && j >= i-5 && content < 3; j-- {
		if toks[j].is(fNeg) && !concessive(toks, j) {
			return true
		}
		if toks[j].brk || toks[j].is(fJoining) && j+1 < i && toks[j+1].is(fSubject) {
			// "wir brauchen es nicht und ich will es zurückschicken":
			// "and" or "but" with a subject of its own opens another
			// clause.
			return false
		}
		if !toks[j].is(fStop) {
			content++
		}
	}
	return false
}

// subjectPronouns open a clause of their own after a joining word
// (joiningWords), folded.
var subjectPronouns = wordSet(`i we ich wir ik wij je nous yo eu io`)

// concessive reports whether the negator at toks[j] opens a concession,
// not a negation: "nem que seja numa atualização" (even if only in an
// update).
func concessive(toks []token, j int) bool {
	return toks[j].fold == "nem" && j+1 < len(toks) && toks[j+1].fold == "que"
}

// wordBefore reports whether a word of set stands at most n words before
// toks[i], in its clause.
func wordBefore(toks []token, i, n int, set map[string]bool) bool {
	if i >= len(toks) || toks[i].brk {
		return false
	}
	for k := i - 1; k >= 0 && k >= i-n; k-- {
		if set[toks[k].fold] {
			return true
		}
		if toks[k].brk {
			return false
		}
	}
	return false
}

// wordFrom reports whether a word that match accepts stands at toks[i]
// or at most n words after it, in its clause.
func wordFrom(toks []token, i, n int, match func(w string) bool) bool {
	for k := i; k < len(toks) && k <= i+n; k++ {
		if k > i && toks[k].brk {
			return false
		}
		if match(toks[k].fold) {
			return true
		}
	}
	return false
}

// wordSet returns the words of s, separated by white space, as a set.
func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// anyWord reports whether one of toks is a word of set.
func anyWord(toks []token, set map[string]bool) bool {
	for i := range toks {
		if set[toks[i].fold] {
			return true
		}
	}
	return false
}

// stopWords are function words of the supported languages; they never
// count as evidence for an option.
var stopWords = wordSet(`
a an the and or but if of to in on at by for with from as is are was were be been being am
it its this that these those there here i me my mine we our us you your he she him her his they them their
do does did done have has had having will would shall should can could may might must
so too very just also only then than when where what which who whom why how all any some each
into onto over under about after before again still up down out off not no yes ok okay please thanks thank
hi hello hey dear regards cheers best im ive id its dont get got one two
want wants wanted need needs needed like likes would get gets make makes know see look customer customers user users
el la los las un una unos unas y o pero de del al en con por para que se su sus mi mis tu es son fue
esta este estos estas eso esto lo le les me nos como mas muy ya hola gracias saludos
der die das den dem des ein eine einen einem einer und oder aber von zu im am mit fur auf ist sind war
ich mein meine meinen mir mich wir uns sie es er ihr ihre nicht sehr auch noch schon hallo danke gruss
o os as um uma uns umas e ou mas do da dos das no na nos nas com por para que seu sua meu minha
eu voce ele ela isso isto ola obrigado obrigada
le la les un une des et ou mais du au aux dans sur avec pour par que qui est sont je moi mon ma mes
nous vous il elle ce cette ces bonjour merci cordialement
il lo gli un uno una di del della dei delle al alla dal nel nella su per che si ci vi ho ha hanno mio mia miei mie tuo suo sua
piu molto anche gia ciao grazie salve buongiorno questo questa quello quella sono stato stata
de het een en maar van op aan met voor naar bij uit om dat die dit deze zijn ben heb heeft hebben mijn mij ik je jij uw
wij ons onze hij zij ze er hier ook nog al heel erg dank bedankt hallo hoi tot totdat
`)
