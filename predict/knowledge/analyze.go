package knowledge

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Languages lists the languages whose words retrieval stems and whose
// stop words it drops. Text in any other language is matched word for
// word, after folding case and accents.
var Languages = []string{"en", "es", "de", "pt", "fr", "it", "nl"}

// Terms returns the index terms of text in language lang (a BCP 47 tag, or
// "" for unknown): words folded to lower case without accents, stop words
// of the language dropped, and the rest stemmed lightly (plural and common
// inflection endings). Numbers and identifiers are kept whole. Retrievers
// backed by other engines (a database's full-text search) index and query
// these terms, so that every retriever matches words the same way.
func Terms(text, lang string) []string {
	lang = BaseLanguage(lang)
	stops := stopWords[lang]
	stem := stemmers[lang]
	var out []string
	for _, w := range words(text) {
		if stops[w] {
			continue
		}
		if stem != nil && isLetters(w) {
			w = stem(w)
		}
		out = append(out, w)
	}
	return out
}

// words splits text into folded words: runs of letters and digits, with
// inner apostrophes, dots and hyphens between letters or digits splitting
// words (so "e-mail" is "e" and "mail") except in identifiers, where a
// run mixes letters and digits ("X-200" is "x200").
func words(text string) []string {
	text = fold(text)
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	rs := []rune(text)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(r)
		case (r == '-' || r == '.' || r == '/') && cur.Len() > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i+1]) && hasDigit(cur.String()):
			// 1.5, 12/3, x-200 after a digit: keep numbers and codes whole
		case r == '-' && cur.Len() > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i+1]):
			// x-200: an identifier
		default:
			flush()
		}
	}
	flush()
	return out
}

func hasDigit(s string) bool {
	for _, r := range s {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// fold lower-cases s and removes the accents of Latin letters (é to e,
// ß to ss, ø to o); marks of other scripts (kana's voicing) stay.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	latin := false // the last letter was Latin: its accents go
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			latin = unicode.Is(unicode.Latin, r)
		}
		switch {
		case unicode.Is(unicode.Mn, r) && latin:
			continue
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø' || r == 'Ø':
			b.WriteByte('o')
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case r == 'œ' || r == 'Œ':
			b.WriteString("oe")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return norm.NFC.String(b.String())
}

// stemmers strip the commonest inflections of a folded word. They are
// light on purpose: conflating singular and plural, and the forms of a
// verb, matters for retrieval; a wrong cut matters less when both the
// article and the query are cut the same way.
var stemmers = map[string]func(string) string{
	"en": stemEnglish,
	"es": suffixStemmer(3, "amientos", "imientos", "amiento", "imiento", "aciones", "iciones", "acion", "icion",
		"adoras", "adores", "adora", "ador", "amos", "emos", "imos", "ando", "iendo", "ados", "adas", "idos", "idas", "ado", "ada", "ido", "ida",
		"ar", "er", "ir", "es", "as", "os", "a", "o", "e", "s"),
	"pt": suffixStemmer(3, "amentos", "imentos", "amento", "imento", "acoes", "icoes", "acao", "icao",
		"adores", "ador", "amos", "emos", "imos", "ando", "endo", "indo", "ados", "adas", "idos", "idas", "ado", "ada", "ido", "ida",
		"ar", "er", "ir", "oes", "aes", "es", "as", "os", "a", "o", "e", "s"),
	"it": suffixStemmer(3, "amenti", "amento", "imenti", "imento", "azioni", "azione", "iamo", "ando", "endo",
		"ati", "ato", "ata", "ate", "iti", "ito", "ita", "ite", "are", "ere", "ire", "i", "e", "a", "o"),
	"fr": suffixStemmer(3, "issements", "issement", "ements", "ement", "ations", "ation", "atrices", "ateurs",
		"atrice", "ateur", "euses", "euse", "eux", "ons", "ees", "ee", "es", "er", "ez", "e", "s", "x"),
	"de": suffixStemmer(3, "ungen", "heiten", "keiten", "ung", "heit", "keit", "ern", "em", "en", "er", "es", "e", "n", "s"),
	"nl": suffixStemmer(3, "heden", "heid", "ingen", "ing", "en", "s", "e"),
}

// suffixStemmer strips the first of suffixes (longest first) that leaves
// at least minStem letters, then undoubles a final double consonant.
func suffixStemmer(minStem int, suffixes ...string) func(string) string {
	return func(w string) string {
		for _, s := range suffixes {
			if strings.HasSuffix(w, s) && len(w)-len(s) >= minStem {
				w = w[:len(w)-len(s)]
				break
			}
		}
		return undouble(w)
	}
}

// stemEnglish strips plural and verb endings: "devices" and "device" are
// "devic", "charging" and "charged" are "charg", "cancelled" is "cancel".
func stemEnglish(w string) string {
	if len(w) <= 3 {
		return w
	}
	w = strings.TrimSuffix(w, "'s")
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "zes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	for _, s := range []string{"ingly", "edly", "ing", "ed", "ly", "ment"} {
		if strings.HasSuffix(w, s) && len(w)-len(s) >= 3 {
			w = w[:len(w)-len(s)]
			break
		}
	}
	if strings.HasSuffix(w, "e") && len(w) > 3 {
		w = w[:len(w)-1]
	}
	if strings.HasSuffix(w, "y") && len(w) > 3 {
		w = w[:len(w)-1] + "i"
	}
	return undouble(w)
}

// undouble drops the last letter of a word ending in a doubled consonant
// other than s.
func undouble(w string) string {
	n := len(w)
	if n < 4 || w[n-1] != w[n-2] {
		return w
	}
	switch w[n-1] {
	case 'a', 'e', 'i', 'o', 'u', 's':
		return w
	}
	if w[n-1] >= 0x80 {
		return w
	}
	return w[:n-1]
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for w := range strings.FieldsSeq(words) {
		m[fold(w)] = true
	}
	return m
}

// stopWords are the function words of each language, folded.
var stopWords = map[string]map[string]bool{
	"en": set(`a an the and or but if then else of to in on at by for with from into onto about as is are was were be been
		being am do does did doing have has had having i me my mine we us our you your yours he him his she her it its they
		them their this that these those there here what which who whom whose when where why how can could would should
		will shall may might must not no nor so too very just also any some all each both more most other such only own
		same than up down out over under again once per via please hi hello thanks thank dear regards`),
	"es": set(`el la los las un una unos unas y o u pero si no ni de del al a en con por para sin sobre entre hasta desde
		que qué como cómo cuando cuándo donde dónde quien quién cual cuál es son era eran fue fueron ser estar está están
		estoy estaba he has ha hemos han hay tengo tiene tienen mi mis tu tus su sus nuestro nuestra yo me te se nos os le
		les lo este esta estos estas ese esa esos esas eso esto muy más ya también solo sólo hola gracias favor puedo
		puede pueden quiero quisiera`),
	"pt": set(`o a os as um uma uns umas e ou mas se não nem de do da dos das em no na nos nas por para com sem sobre entre
		até desde que como quando onde quem qual é são era eram foi foram ser estar está estão estou tenho tem têm meu
		minha meus minhas seu sua seus suas eu me te se nos lhe lhes este esta estes estas esse essa isso isto muito mais
		já também só olá oi obrigado obrigada favor posso pode podem quero gostaria`),
	"de": set(`der die das den dem des ein eine einen einem einer eines und oder aber wenn dann nicht kein keine von zu
		zum zur in im an am auf aus bei mit nach seit für über unter um durch gegen ohne bis als wie was wer wo wann warum
		ist sind war waren bin bist sein ich mich mir du dich dir er sie es wir uns ihr ihm ihn ihnen mein meine meinen
		meinem dein deine sein seine unser unsere dies diese dieser dieses hier da auch nur noch schon sehr mehr kann
		kannst können möchte möchten hallo danke bitte habe hast hat haben`),
	"fr": set(`le la les l un une des du de d et ou mais si ne pas ni à au aux en dans sur sous par pour avec sans entre
		chez vers que qu qui quoi comment quand où est sont était étaient être suis es sommes êtes ai as a avons avez ont
		je j me m tu te t il elle on nous vous ils elles se s lui leur leurs mon ma mes ton ta tes son sa ses notre nos
		votre vos ce cet cette ces cela ça très plus aussi déjà seulement bonjour merci peux peut pouvez puis voudrais`),
	"it": set(`il lo la i gli le un uno una e o ma se non né di del della dei degli delle a al alla ai agli alle da dal
		dalla in nel nella nei su sul sulla per con senza tra fra che chi come quando dove perché è sono era erano essere
		sto sta ho hai ha abbiamo hanno io mi me tu ti lui lei noi ci voi vi si mio mia miei mie tuo tua suo sua nostro
		questo questa questi queste quello quella molto più anche già solo ciao grazie posso può possono vorrei`),
	"nl": set(`de het een en of maar als dan niet geen van in op aan bij met naar voor over onder uit tot door zonder om
		dat die wat wie waar wanneer waarom hoe is zijn was waren ben bent ik mij me mijn jij je jou jouw u uw hij zij ze
		wij we ons onze hun haar dit deze daar hier er ook nog al wel zeer meer kan kunnen kun wil wilt heb hebt heeft
		hebben hallo dank bedankt graag`),
}

// GuessLanguage returns the language of Languages whose stop words text
// uses most, or "" when it cannot tell (fewer than three stop words, or a
// tie). It is a guess for short customer messages, good enough to pick
// the language of a reply and of retrieval; hosts that know the language
// pass it instead.
func GuessLanguage(text string) string {
	counts := map[string]int{}
	total := 0
	for _, w := range words(text) {
		for _, lang := range Languages {
			if stopWords[lang][w] {
				counts[lang]++
				total++
			}
		}
	}
	best, second := "", 0
	for _, lang := range Languages {
		switch n := counts[lang]; {
		case best == "" || n > counts[best]:
			second = counts[best]
			best = lang
		case n > second:
			second = n
		}
	}
	if best == "" || counts[best] < 3 || counts[best] == second {
		return ""
	}
	return best
}
