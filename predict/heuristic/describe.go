package heuristic

import (
	"slices"
	"sort"
	"strings"

	"github.com/caseagent/caseagent/channel"
)

// smallTalk are words of greetings, thanks and sign-offs: a sentence made
// only of them says nothing about the customer's need.
var smallTalk = wordSet(`
hi hello hey hiya dear there morning afternoon evening good all team support folks guys
thanks thank thx ty you very much so lot many in advance cheers regards best kind warm wishes sincerely
ok okay sure yes yeah yep no nope fine great perfect cool alright right bye goodbye see later
one sec second moment hang wait please sorry again
hola buenas buenos dias tardes noches gracias saludos un saludo vale si adios muchas
hallo guten tag morgen abend danke vielen gruss grusse viele liebe ja nein tschuss bitte nochmal
ola bom dia boa tarde noite obrigado obrigada sim tchau abracos
bonjour bonsoir salut merci beaucoup oui non cordialement au revoir
ciao salve buongiorno buonasera grazie mille saluti cordiali distinti arrivederci
hoi goedemorgen goedemiddag goedenavond dag bedankt dank groeten groet vriendelijke hartelijk tot ziens nee
`)

// informative scores how much a sentence tells about the customer's
// need: cue concepts count most, other content words a little; sentences
// of greetings and thanks, and sentences that only give an identifier or
// an address, score nothing. It returns three scores: ranked weighs
// each concept by how much conversation c is about it (nil weighs all
// alike), abs counts every concept in full, and need is abs of a short
// sentence that names a concept in full, not halved for its shortness.
func informative(s *sentence, c *conversation) (ranked, abs, need float64) {
	content := contentWords(s)
	if content == 0 {
		return 0, 0, 0
	}
	text := s.text()
	if strings.IndexByte(text, '@') >= 0 && content <= 4 || saysAllFine(s) || onlyWorks(s) {
		// An address, or "the camera I bought last year is still going
		// strong", "works well with the lamps": not what the customer
		// needs help with.
		return 0, 0, 0
	}
	// Each phrase counts once, by its weightiest concept ("account
	// gehackt" is a break-in more than an account); a concept said again
	// tells nothing new ("Account > Subscription > Change plan").
	var phrase, phraseAbs float64
	lastStart := -1
	for k, t := range s.terms {
		if s.passAt > 0 && t.start >= s.passAt-1 {
			// What the sentence adds in passing tells nothing of the need.
			break
		}
		if t.start != lastStart {
			ranked, abs = ranked+phrase, abs+phraseAbs
			phrase, phraseAbs, lastStart = 0, 0, t.start
		}
		if t.key[0] != '#' {
			if !hasDigit(t.key) {
				phrase, phraseAbs = plainWordWeight, plainWordWeight
			}
			continue
		}
		if slices.ContainsFunc(s.terms[:k], func(u term) bool { return u.key == t.key }) {
			continue
		}
		w := 1.0
		switch t.key {
		case "#retract", "#fine", "#works", "#aside", "#ifneeded":
			// "never mind", "works fine": how the customer frames it, not
			// what the case is about; "merci pour votre retour", "I
			// stopped using it": words of a need that tell none.
			continue
		case "#outdoor", "#indoor", "#camera", "#router", "#app", "#account", "#use", "#request":
			w = 0.3
		case "#question":
			// "Une petite question sur les prises": that there is a
			// question tells less than the question itself.
			w = 0.5
		}
		phraseAbs = max(phraseAbs, w)
		if c != nil {
			w *= c.topic(t.key)
		}
		phrase = max(phrase, w)
	}
	ranked, abs = ranked+phrase, abs+phraseAbs
	// "mijn account is geblokkeerd" says a need in two content words,
	// though a short sentence ranks below longer ones; one that names no
	// concept in full ("o M10", "sim um na sala") says little.
	full := abs >= 1
	if s.question {
		ranked, abs = ranked+0.5, abs+0.5
	}
	need = abs
	if content < 3 {
		ranked, abs = ranked*0.5, abs*0.5
		if !full {
			need = abs
		}
	}
	return ranked, abs, need
}

// contentWords counts the words of a sentence that are neither small talk
// nor function words nor identifiers.
func contentWords(s *sentence) int {
	n := 0
	for i := range s.toks {
		t := &s.toks[i]
		if !t.is(fSmallTalk|fStop) && len(t.fold) > 2 && !hasDigit(t.fold) {
			n++
		}
	}
	return n
}

// plainWordWeight is what a word outside the lexicon tells.
const plainWordWeight = 0.15

// onlyWorks reports whether a sentence only tells that something works:
// it says so, asks nothing and tells of nothing else but things (and
// words that tell no need, such as the heater a plug switches), with no
// "but".
func onlyWorks(s *sentence) bool {
	if s.question || !hasPlainTerm(s.terms, "#works") || anyFlag(s.toks, fContrast) {
		return false
	}
	for _, t := range s.terms {
		if t.key[0] == '#' && (t.neg || t.key != "#works" && t.key != "#aside" && !nounConcepts[t.key] && !deviceConcepts[t.key]) {
			return false
		}
	}
	return true
}

// deviceConcepts name devices.
var deviceConcepts = map[string]bool{"#plug": true, "#thermostat": true}

// leadingSmallTalk returns the offset in the sentence after greetings
// such as "Hi there," or "Hello," that open it.
func leadingSmallTalk(s *sentence) int {
	if k := leadingGreeting(s.toks); k > 0 {
		return s.toks[k].start
	}
	return 0
}

type pickedSentence struct {
	idx   int
	score float64 // by the conversation's topic, for ranking
	abs   float64 // score with every concept counted in full
	need  float64 // abs, not halved for a short sentence's shortness
	from  int     // byte offset in the sentence text where the extract starts
}

// describe picks the one or two customer sentences that best say what the
// customer needs, in their order, within limit bytes. An email's subject
// line is one of them: customers often sum up the need there.
func describe(c *conversation, limit int, maxSentences int) ([]pickedSentence, float64) {
	if !c.described {
		c.describeCands, c.described = describeCandidates(c), true
	}
	cands := c.describeCands
	if len(cands) == 0 {
		return nil, 0
	}
	best := cands[0]
	picked := []pickedSentence{best}
	size := c.sents[best.idx].ownEnd() - best.from
	for _, cand := range cands[1:] {
		if len(picked) >= maxSentences {
			break
		}
		l := c.sents[cand.idx].ownEnd() - cand.from
		if cand.score >= secondShare*best.score && size+l+1 <= limit {
			picked = append(picked, cand)
			size += l + 1
		}
	}
	// An email's subject sums up the need in the customer's words
	// ("Account geblokkeerd", "Rechnung mit Firmenadresse"): when it
	// says more than a word ("Vraag", "Problem") and there is room, it
	// leads the body's sentences.
	if maxSentences > 1 {
		if k := slices.IndexFunc(cands, func(p pickedSentence) bool { return c.sents[p.idx].part == partSubject }); k >= 0 &&
			!slices.ContainsFunc(picked, func(p pickedSentence) bool { return p.idx == cands[k].idx }) {
			subj := &c.sents[cands[k].idx]
			l := len(subj.text())
			if last := picked[len(picked)-1]; contentWords(subj) >= 2 && size+l+1 > limit && len(picked) > 1 && cands[k].score >= 0.5*last.score {
				// Where there is no room for both, the subject's summary
				// goes before a second sentence of the body that tells
				// not much more.
				size -= c.sents[last.idx].ownEnd() - last.from + 1
				picked = picked[:len(picked)-1]
			}
			// Beside one body sentence too long to leave it room, it
			// leads all the same and the sentence is cut short: "Suggestion
			// : widget pour les caméras" says more than the first 250
			// characters of how the app is used today.
			if contentWords(subj) >= 2 && (size+l+1 <= limit || len(picked) == 1 && l < limit/3) {
				picked = append(picked, cands[k])
			}
		}
	}
	sort.Slice(picked, func(i, j int) bool { return picked[i].idx < picked[j].idx })
	// Whether there is a need to describe at all is told by the sentence
	// that says most of one, ranked first or not.
	most := best.abs
	for _, cand := range cands {
		most = max(most, cand.need)
	}
	return picked, most
}

// describeCandidates returns the customer sentences that may describe the
// need, best first.
func describeCandidates(c *conversation) []pickedSentence {
	var cands []pickedSentence
	firstContent := -1
	forwarded := -1 // message whose forwarded part has begun
	lastMsg, firstInMsg := -1, true
	for i := range c.sents {
		s := &c.sents[i]
		if s.msg != lastMsg {
			lastMsg, firstInMsg = s.msg, true
		}
		if s.part != partText && s.part != partSubject {
			continue
		}
		if s.part == partSubject && stripSubjectPrefix(s.text()) != strings.TrimSpace(s.text()) {
			// A reply's subject repeats the thread's: it tells nothing
			// the first message did not.
			continue
		}
		if forwardMarker(s) {
			forwarded = s.msg
		}
		if s.instr || s.settled || s.inPassing() || forwarded == s.msg || headerLine(s) {
			continue
		}
		// Sentences rank by what they tell of the conversation's topic;
		// how informative the best is (abs) decides whether there is a
		// need to describe at all, and how sure the description is.
		v, abs, need := informative(s, c)
		if abs <= 0 {
			continue
		}
		mult := 1.0
		if i < c.retracted {
			mult *= retractedWeight
		}
		if s.background() {
			// "When I ordered the X200 last autumn it came in two days",
			// "we have the X200 in the hall, the thermostat, a few plugs":
			// what happened a year ago and what the home holds are
			// background.
			mult *= 0.5
		}
		if firstContent < 0 {
			firstContent = s.order
		}
		// Customers lead with their need: earlier messages count more,
		// and the first thing a message says most.
		switch {
		case s.order == firstContent:
			mult *= 1.5
		case s.order == firstContent+1:
			mult *= 1.1
		}
		v, abs, need = v*mult, abs*mult, need*mult
		// A chat message that is one short sentence naming the need in
		// full ("mijn account is geblokkeerd") leads as much as a longer
		// first sentence.
		alone := need >= 1 && (i+1 >= len(c.sents) || c.sents[i+1].msg != s.msg) && (i == 0 || c.sents[i-1].msg != s.msg)
		if firstInMsg && (abs >= 1 || alone) {
			v, abs, need = v+0.8, abs+0.8, need+0.8
		}
		firstInMsg = false
		cands = append(cands, pickedSentence{idx: i, score: v, abs: abs, need: need, from: leadingSmallTalk(s)})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	if c.need != nil {
		// A classifier trained on many customers' sentences tells the
		// one that says what they need from the ones around it better
		// than word cues do. It reads the six leading candidates only:
		// on every story set, reading them all picks the same.
		for i := range cands[:min(len(cands), needCandidates)] {
			s := &c.sents[cands[i].idx]
			if len(cands) == 1 || cands[i].score*(1+needWeight) < secondShare*cands[0].score {
				// Alone, or too far behind to be picked even boosted.
				continue
			}
			if s.background() {
				// A list of the home's devices names the devices a need
				// is often about; it stays last.
				continue
			}
			b := needBoost(c.need, s.text())
			cands[i].score, cands[i].abs, cands[i].need = cands[i].score*b, cands[i].abs*b, cands[i].need*b
		}
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	}
	return cands
}

// secondShare is the share of the best sentence's score another must
// reach to join it in a description.
const secondShare = 0.35

// needCandidates is how many of the best-ranked sentences the need
// classifier reads.
const needCandidates = 6

// topic returns how much the conversation is about a concept, from 0.4
// for one it mentions least to 1 for its main concerns, by the weight of
// the concepts in the customer's words: "Cloud Plus billed twice" over
// "I bought the camera for my mum".
func (c *conversation) topic(key string) float64 {
	if !c.topKnown {
		c.top, c.topKnown = 0, true
		for k, w := range c.bag {
			if k[0] == '#' && !frameConcepts[k] && !nounConcepts[k] {
				c.top = max(c.top, w)
			}
		}
	}
	if c.top <= 0 {
		return 1
	}
	w := c.bag[key]
	if key == "#lacks" {
		// What the product lacks is what a customer who wishes for a
		// capability is about: "Non c'è modo di metterla in italiano?"
		w = max(w, c.bag["#feature"])
	}
	return 0.4 + 0.6*min(1, w/c.top)
}

// fragmentTokens is the most words a message typed as a fragment has.
const fragmentTokens = 8

// describeRun picks the customer's run of three or more fragments, short
// messages typed one after another with no representative's message
// between them, that together tell the most ("comprei um X200" /
// "semana passada" / "quero devolver"), within limit bytes, and what
// they score together.
func describeRun(c *conversation, limit int) ([]pickedSentence, float64) {
	var best, run []pickedSentence
	bestScore, score, size, lastMsg := 0.0, 0.0, 0, -1
	flush := func() {
		if len(run) >= 3 && score > bestScore {
			best, bestScore = slices.Clone(run), score
		}
		run, score, size = run[:0], 0, 0
	}
	for i := range c.sents {
		s := &c.sents[i]
		if s.part != partText || s.instr || s.settled {
			continue
		}
		if s.msg != lastMsg && (lastMsg >= 0 && !c.followsOn(lastMsg, s.msg) || !c.fragment(s.msg)) {
			flush()
		}
		lastMsg = s.msg
		if !c.fragment(s.msg) {
			continue
		}
		_, v, _ := informative(s, nil)
		if v <= 0 {
			continue
		}
		if l := len(s.text()) + 1; size+l <= limit {
			run = append(run, pickedSentence{idx: i, score: v})
			score += v
			size += l
		}
	}
	flush()
	return best, bestScore
}

// fragment reports whether message mi is short enough to be a fragment.
func (c *conversation) fragment(mi int) bool {
	if c.words == nil {
		// Counted once: a chat of many short messages asks for every one.
		c.words = map[int]int{}
		for i := range c.sents {
			if c.sents[i].part == partText {
				c.words[c.sents[i].msg] += len(c.sents[i].toks)
			}
		}
	}
	return c.words[mi] <= fragmentTokens
}

// followsOn reports whether message b follows message a with no
// representative's message between them.
func (c *conversation) followsOn(a, b int) bool {
	for k := a + 1; k < b; k++ {
		if c.msgs[k].Role == channel.RoleRepresentative {
			return false
		}
	}
	return true
}

// clip shortens s to at most n bytes at a word boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n+1], ' ')
	if cut < n/2 {
		cut = n
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
	}
	return strings.TrimRight(s[:cut], " ,;:-")
}

// headerWords begin the header lines of a forwarded or quoted message.
var headerWords = map[string]bool{
	"from": true, "to": true, "cc": true, "subject": true, "date": true, "sent": true,
	"de": true, "para": true, "asunto": true, "enviado": true, "fecha": true,
	"von": true, "an": true, "betreff": true, "gesendet": true, "datum": true,
	"assunto": true, "data": true, "objet": true, "envoye": true, "a": true,
}

// headerLine reports whether a sentence is a mail header line such as
// "From: Shop <orders@shop.example>".
func headerLine(s *sentence) bool {
	t := s.text()
	i := strings.IndexByte(t, ':')
	if i <= 0 || i > 12 || len(s.toks) == 0 || s.toks[0].end > i {
		return false
	}
	return headerWords[s.toks[0].fold] && (len(s.toks) == 1 || s.toks[1].start > i)
}

// forwardMarker reports whether a sentence opens a forwarded or original
// message: "---------- Forwarded message ---------", "-----Original
// Message-----", "Begin forwarded message:".
func forwardMarker(s *sentence) bool {
	if len(s.toks) > 8 {
		return false
	}
	for i := range s.toks {
		if forwardWords[s.toks[i].fold] && (i+1 < len(s.toks) && messageWords[s.toks[i+1].fold] || i > 0 && messageWords[s.toks[i-1].fold]) {
			return true
		}
	}
	return false
}

var (
	forwardWords = map[string]bool{
		"forwarded": true, "original": true, "reenviado": true, "weitergeleitete": true, "ursprungliche": true,
		"encaminhada": true, "transfere": true, "origine": true, "forward": true,
	}
	messageWords = map[string]bool{"message": true, "mensaje": true, "nachricht": true, "mensagem": true, "begin": true}
)
