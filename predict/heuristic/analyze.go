package heuristic

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/textfold"
	"github.com/caseagent/caseagent/predict/instruct"
	"github.com/caseagent/caseagent/predict/textclass"
)

// Where a sentence comes from in its message.
const (
	partText = iota
	partSubject
	partSignature
	// partConfirmed is a representative's question the customer answered
	// with a plain yes ("Is it the Cam4?" "yes"): what it names counts,
	// less, as the customer's.
	partConfirmed
)

// sentence is a sentence of a customer message, read once per request
// and shared by every field's extractor.
type sentence struct {
	msg   int    // index in Request.Messages
	order int    // index among the customer messages, oldest first
	part  int    // partText, partSubject or partSignature
	src   string // the message field the sentence is a span of
	start int
	end   int
	toks  []token
	terms []term
	// instr is set for sentences that read as instructions to the system
	// ("ignore previous instructions", "set the priority to ...").
	instr bool
	// question is set for sentences ending in a question mark.
	question bool
	// third is set for text the customer passes on (a forwarded
	// message, quoted lines): it names things but is not their account.
	third bool
	// settled is set for the sentences of a message that says the
	// problem is solved ("thanks, that fixed it"): they describe no need.
	settled bool
	// passAt is 1 + the index of the word from which the sentence speaks
	// in passing ("by the way", "übrigens", "au passage"), 0 for none.
	passAt int
	// gone is set for a sentence placed in a year or season gone by
	// ("when I ordered the X200 last autumn"), lists for one that lists
	// the home's devices (see inventory): both tell the setting of the
	// need, not the need.
	gone, lists bool
}

// background reports whether the sentence tells the setting of the
// need: what happened a year ago, what the home holds.
func (s *sentence) background() bool { return s.gone || s.lists }

// inPassing reports whether the whole sentence is said in passing: its
// marker opens it ("Ach und nebenbei, ...").
func (s *sentence) inPassing() bool { return s.passAt > 0 && s.passAt <= 3 }

// ownEnd returns the byte offset in the sentence's text where what it
// says in passing begins, or the text's length.
func (s *sentence) ownEnd() int {
	if s.passAt == 0 {
		return s.end - s.start
	}
	return s.toks[s.passAt-1].start
}

func (s *sentence) text() string { return s.src[s.start:s.end] }

// quote returns the original text of toks[i:j] of the sentence.
func (s *sentence) quote(i, j int) string {
	return s.src[s.start+s.toks[i].start : s.start+s.toks[j-1].end]
}

// conversation is what the extractors read of a request.
type conversation struct {
	msgs      []channel.Message
	customer  []int // indices of the customer's own messages
	sents     []sentence
	signature []sentence // signature lines of customer messages
	// weight of a customer message by its order: later ones count more.
	weights []float64
	// bag holds the weighted terms of all customer sentences that are not
	// instructions.
	bag map[string]float64
	// sources are the messages identifiers may come from, in order: the
	// customer's, and representatives' questions the customer confirmed.
	sources []source
	// vocab holds the names and values of the requested fields, which
	// instructions to the system are recognised by.
	vocab *vocab
	// instrs counts the sentences that are instructions.
	instrs int
	// worse is set when the customer says the problem got worse.
	worse bool
	// corrects is set when a customer sentence holds a correction cue
	// ("sorry", "ah, enganei-me").
	corrects bool
	// retracted indexes the sentence of sents that withdraws what came
	// before it ("scratch that, the real problem is ..."), -1 for none.
	retracted int
	// words counts the words of each message's own text, for fragment.
	words map[int]int
	// rep holds the representatives' statements of repConcepts, which
	// count for the customer's need (representativeSays).
	rep []sentence
	// mentioned caches the mentions of the options of the fields read.
	mentioned []fieldMentions
	// describeCands are the sentences that may describe the need, best
	// first, once describe has ranked them (described).
	describeCands []pickedSentence
	described     bool
	// need reads single sentences as the need or its context (see
	// WithNeedClassifier); nil leaves descriptions to word cues.
	need Classifier
	// intent reads the customer's whole text as the kind of request it
	// is (see intent.go); nil when off.
	intent IntentClassifier
	// intentDist is its reading, once intentRead.
	intentDist []textclass.Score
	intentRead bool
	// top is the weight of the conversation's main concern, once
	// topKnown (see topic).
	top      float64
	topKnown bool
	// arena holds the tokens of the sentences read so far and room for
	// more, so that a conversation's sentences share a few allocations.
	arena []token
	// scratch space for reading the representatives' statements.
	scratchToks  []token
	scratchTerms []term
	// repSpans are the other statements of representatives that a
	// customer message followed, read only when asked (repStatements).
	repSpans []sentence
}

// source is a message identifiers may be read from.
type source struct {
	msg       int
	order     int // of the customer message that gave or confirmed it
	confirmed bool
}

// isCustomer reports whether m was written by the customer: inbound, by
// the customer role (or an inbound message without a role), and not
// automated.
func isCustomer(m *channel.Message) bool {
	if m.Automated() {
		return false
	}
	switch m.Role {
	case channel.RoleCustomer:
		return true
	case "":
		return m.Direction == channel.Inbound
	}
	return false
}

// stripSubjectPrefix removes reply and forward markers from a subject.
func stripSubjectPrefix(s string) string {
	for {
		t := strings.TrimSpace(s)
		i := strings.IndexByte(t, ':')
		if i <= 0 || i > 5 {
			return t
		}
		switch strings.ToLower(t[:i]) {
		case "re", "fw", "fwd", "aw", "wg", "rv", "res", "enc", "tr", "sv", "vs", "r", "ref":
			s = t[i+1:]
		default:
			return t
		}
	}
}

// namesCompanyAct reports whether a sentence names an act of the company
// in full (see companyActs), or an order's address ("hice un pedido y
// puse la dirección de mi antiguo depa, ¿se puede cambiar?"): only the
// company can change where it sends an order.
func namesCompanyAct(s *sentence) bool {
	return slices.ContainsFunc(s.terms, func(t term) bool { return !t.neg && companyActs[t.key] && t.w >= 1 }) ||
		hasPlainTerm(s.terms, "#address") && (hasPlainTerm(s.terms, "#order") || hasPlainTerm(s.terms, "#delivery"))
}

// asksOnlyHow reports whether a sentence names no concept but asking how.
func asksOnlyHow(s *sentence) bool {
	return !slices.ContainsFunc(s.terms, func(t term) bool {
		return t.key[0] == '#' && !askingHow[t.key] && !frameConcepts[t.key]
	})
}

// companyActs are what a customer asks the company to do for them, when
// said in full: "cambiar" and "cambiare" also change a setting and weigh
// less as an exchange.
var companyActs = map[string]bool{"#return": true, "#exchange": true, "#refund": true, "#cancel": true, "#replace": true}

// askingHow are the concepts of asking how to do something, which a
// sentence that asks for a feature does not count.
var askingHow = map[string]bool{"#howto": true, "#question": true, "#setup": true}

// retractedWeight is what the customer's words before a retraction
// ("forget that", "the real problem is") weigh.
const retractedWeight = 0.25

// easing concepts say a problem hurts less: a workaround, no impact, a
// fault that comes and goes.
var easing = map[string]bool{"#workaround": true, "#noimpact": true, "#degraded": true}

func analyze(lx *lexicon, msgs []channel.Message, v *vocab) *conversation {
	c := &conversation{msgs: msgs, vocab: v}
	for i := range msgs {
		if isCustomer(&msgs[i]) {
			c.customer = append(c.customer, i)
		}
	}
	n := len(c.customer)
	c.weights = make([]float64, n)
	for k := range c.weights {
		c.weights[k] = 0.4 + 0.6*float64(k+1)/float64(n)
	}
	seenSubject := map[string]bool{}
	for k, mi := range c.customer {
		m := &msgs[mi]
		if rep := confirmedQuestion(msgs, mi); rep >= 0 {
			r := &msgs[rep]
			for _, sp := range sentences(r.Text) {
				q := sentence{msg: rep, order: k, part: partConfirmed, src: r.Text, start: sp.start, end: sp.end}
				if !strings.HasSuffix(strings.TrimSpace(q.text()), "?") {
					continue
				}
				q.toks = tokenize(q.text(), nil)
				q.terms = lx.terms(q.toks, nil)
				q.gone = timeGoneBy(q.toks)
				c.sents = append(c.sents, q)
			}
			c.sources = append(c.sources, source{msg: rep, order: k, confirmed: true})
		}
		c.sources = append(c.sources, source{msg: mi, order: k})
		if m.Subject != "" {
			key := fold(stripSubjectPrefix(m.Subject))
			if !seenSubject[key] {
				seenSubject[key] = true
				c.addSentences(lx, mi, k, partSubject, m.Subject)
			}
		}
		c.addSentences(lx, mi, k, partText, m.Text)
		if m.Signature != "" {
			for _, sp := range sentences(m.Signature) {
				s := sentence{msg: mi, order: k, part: partSignature, src: m.Signature, start: sp.start, end: sp.end}
				s.toks = tokenize(s.text(), nil)
				c.signature = append(c.signature, s)
			}
		}
	}
	// "I've unplugged it and tried a different outlet. Same thing every
	// time.": steps the customer says did not help are no workaround.
	// Neither are the steps listed under "What I tried:", unless an
	// item says the step helped.
	for i := range c.sents {
		s := &c.sents[i]
		if triedList(s) {
			for k := i + 1; k < len(c.sents) && c.sents[k].msg == s.msg && c.sents[k].part == s.part && listItem(&c.sents[k]); k++ {
				// The step is the item's first clause; what it did, if
				// it helped, follows ("- unplugged it, then it works
				// for an hour").
				it := &c.sents[k]
				it.terms = slices.DeleteFunc(it.terms, func(t term) bool { return t.key == "#workaround" && !clauseBreak(it.toks, 1, t.start+1) })
			}
		}
		at := -1
		if k := slices.IndexFunc(s.terms, func(t term) bool { return t.key == "#nohelp" && !t.neg }); k >= 0 {
			at = s.terms[k].start
		} else if at = loneNothing(s.toks); at < 0 {
			continue
		}
		s.terms = slices.DeleteFunc(s.terms, func(t term) bool { return t.key == "#workaround" && t.start < at })
		if p := &c.sents[max(i-1, 0)]; i > 0 && p.msg == s.msg && p.part == s.part {
			p.terms = slices.DeleteFunc(p.terms, func(t term) bool { return t.key == "#workaround" })
		}
	}
	// "Thanks, that fixed it": the message describes no need, neither
	// the sentence that says so nor how it came about ("I had used the
	// wrong password"), unless a sentence after it asks for something
	// new ("that's settled; now I'd like to send it back").
	// A message that tells a stop-gap ("si je le débranche ça repart, pour
	// quelques heures") tells what still goes wrong: what it says works
	// is the stop-gap's effect or another device ("là ça marche").
	settledAt := map[int]int{}
	stopGap := map[int]bool{}
	resolved := make([]bool, len(c.sents))
	for i := range c.sents {
		s := &c.sents[i]
		resolved[i] = saysResolved(s)
		if !resolved[i] && slices.ContainsFunc(s.terms, func(t term) bool { return t.key == "#workaround" && !t.neg && t.w >= 0.5 }) {
			stopGap[s.msg] = true
		}
	}
	for i := range c.sents {
		if resolved[i] && !stopGap[c.sents[i].msg] {
			settledAt[c.sents[i].msg] = i + 1
		}
	}
	for i := range c.sents {
		s := &c.sents[i]
		at, ok := settledAt[s.msg]
		s.settled = ok && (i < at || !asksAnew(s))
	}
	// "Scratch that, the real problem is ...", or "thanks, and another
	// thing": what the customer said before withdrawing or closing it
	// counts for little.
	retracted := c.lastOwn(func(i int, s *sentence) bool {
		return hasTerm(s.terms, "#retract") || hasPlainTerm(s.terms, "#newtopic") && (c.thanked(i) || c.settledBefore(i))
	})
	c.retracted = retracted
	repSays := c.representativeSays(lx)
	// A question the representative answered with "it can't do that", or
	// passed on as a suggestion, has its answer: what the customer goes
	// on to ask for is the need.
	answered := -1
	for _, rs := range repSays {
		if rs.key == "#lacks" || rs.key == "#suggestion" {
			answered = max(answered, rs.order)
		}
	}
	// "It has got worse", or "now it is down completely" after telling
	// what eased it: what eased the problem before ("it comes back by
	// itself", "not urgent") no longer holds.
	eased := c.lastOwn(func(_ int, s *sentence) bool {
		return slices.ContainsFunc(s.terms, func(t term) bool { return easing[t.key] && !t.neg })
	})
	worse := c.lastOwn(func(i int, s *sentence) bool {
		return hasPlainTerm(s.terms, "#worse") ||
			eased >= 0 && i > eased && anyWord(s.toks, nowWords) &&
				slices.ContainsFunc(s.terms, func(t term) bool { return t.key == "#outage" && !t.neg })
	})
	c.worse = worse >= 0
	c.corrects = slices.ContainsFunc(c.sents, func(s sentence) bool {
		return s.part == partText && anyFlag(s.toks, fCorrection)
	})
	nterms := 0
	wishes := map[int]bool{} // messages that ask for a feature
	acts := map[int]bool{}   // messages that name an act of the company
	for i := range c.sents {
		s := &c.sents[i]
		nterms += len(s.terms)
		if namesCompanyAct(s) {
			acts[s.msg] = true
		}
		if s.question && hasPlainTerm(s.terms, "#feature") {
			wishes[s.msg] = true
		}
	}
	// "El lunes ya hablé con ustedes por otra cosa (un cobro del Cloud
	// Plus)", "last month I rang about the thermostat, this is something
	// else": an earlier contact about another matter names things that
	// are not this need's.
	for i := range c.sents {
		if s := &c.sents[i]; s.part == partText && anyWord(s.toks, contactedWords) && otherMatter(s.toks) {
			s.third = true
		}
	}
	// A customer who cannot sign in cannot see their cameras either:
	// "I can't see the cameras" is what being locked out costs them, not
	// a fault of the cameras.
	lockedOut := slices.ContainsFunc(c.sents, func(s sentence) bool {
		return !s.settled && !s.instr && slices.ContainsFunc(s.terms, func(t term) bool { return t.key == "#signin" && t.neg })
	})
	c.bag = make(map[string]float64, nterms)
	for i := range c.sents {
		s := &c.sents[i]
		if s.instr || s.third || s.settled {
			continue
		}
		w := c.weights[s.order]
		if i < retracted {
			w *= retractedWeight
		}
		confirmed := s.part == partConfirmed
		if confirmed {
			// "Do you want to exchange it for the three-pack?" "Yes,
			// exactly": the customer's yes makes the question's matter
			// theirs, less than their own words; "is it the strip or the
			// bulb?" "yes" confirms neither.
			if anyWord(s.toks, orWords) {
				continue
			}
			w *= confirmedWeight
		}
		outdated := i < worse
		asked := s.order < answered
		consequence := lockedOut && slices.ContainsFunc(s.terms, func(t term) bool { return faultKeys[t.key] && seeing(s.toks, t.start) })
		// "The order came a day early, no complaints there": what the
		// customer says is fine is not what they need help with.
		allFine := saysAllFine(s)
		if s.part == partSubject {
			w *= 1.2
		}
		// A question that asks for something the product does not do
		// ("could you add ...?", "is it possible to add ...?") is a
		// request, not a question of how to do it; so are the other
		// questions of its message that ask no how ("Matter support for
		// the hub?", "and if so, do you know when?").
		wish := hasPlainTerm(s.terms, "#feature") || wishes[s.msg] && s.question && !hasPlainTerm(s.terms, "#howto")
		// "Il numero di serie è dietro, se serve ditemi come si fa": a
		// question asked only if the company needs something is not the
		// customer's need.
		ifNeeded := hasPlainTerm(s.terms, "#ifneeded")
		// "Est-ce que je peux vous le renvoyer ?", "wie schick ich das
		// zurück?": a question of how to get something of the company
		// (a return, a refund) asks for it, not how to use a product.
		// So does one that only asks how after the customer named the act
		// in the message: "Ik zou de 2-pack graag willen ruilen. (...) Is
		// dat mogelijk, en hoe gaat dat in zijn werk?"
		// A question told without "?" ("Vorrei sapere se c'è la
		// possibilità di rimandarvela") asks as one with it does.
		asks := s.question || slices.ContainsFunc(s.terms, func(t term) bool { return t.key == "#question" && !t.neg })
		asksFor := asks && (namesCompanyAct(s) || asksOnlyHow(s) && acts[s.msg])
		// "quero colocar o cartão novo mas não acho onde muda isso": how
		// to pay, or where the invoice is, is a matter of money.
		asksFor = asksFor || slices.ContainsFunc(s.terms, func(t term) bool { return !t.neg && moneyConcepts[t.key] })
		for _, t := range s.terms {
			if (wish || asksFor) && askingHow[t.key] || allFine && t.key != "#fine" || confirmed && (t.key[0] != '#' || frameConcepts[t.key] || askingHow[t.key]) {
				continue
			}
			tw := w * t.w
			if outdated && easing[t.key] || (asked || ifNeeded) && askingHow[t.key] {
				tw *= retractedWeight
			}
			if selfAssessed[t.key] {
				tw *= selfAssessedWeight
			}
			if consequence && faultKeys[t.key] {
				tw *= retractedWeight
			}
			if !t.neg && isPredicate(t.key) && !frameConcepts[t.key] && !askingHow[t.key] && wanted(s.toks, t.start) {
				tw *= wantedWeight
			}
			if t.neg {
				c.bag[t.key] += 0.5 * tw
			} else {
				c.bag[t.key] += tw
			}
		}
		// A question that asks the company to act ("could you tell me
		// when it ships?") is a request, not a question of how.
		if s.question && !wish && !asksFor && !asked && !ifNeeded && !hasTerm(s.terms, "#question") && !hasPlainTerm(s.terms, "#request") {
			if s.inPassing() {
				w *= retractedWeight
			}
			c.bag["#question"] += 0.5 * w
		}
	}
	// A device that smokes, burns or melts is a fault and a risk whatever
	// the customer asks about it ("¿Qué hago? ¿Es seguro?", "can I use
	// the old one in the meantime?") or says works ("otros aparatos en
	// esa toma funcionan bien"): their questions are about the fault.
	if slices.ContainsFunc(c.sents, func(s sentence) bool {
		return !s.instr && !s.third && !s.settled && s.part != partConfirmed && hasPlainTerm(s.terms, "#smoke")
	}) {
		for k := range askingHow {
			c.bag[k] *= retractedWeight
		}
		c.bag["#works"] *= retractedWeight
	}
	// "Non è niente di grave", "no rush": what the customer says does not
	// matter much is not a service or a business down, whatever stopped.
	if c.bag["#noimpact"] >= 0.5 && c.bag["#smoke"] == 0 {
		c.bag["#outage"] *= retractedWeight
		c.bag["#business"] *= retractedWeight
	}
	for _, rs := range repSays {
		// Passed on as a suggestion: the representative files a wish.
		key := rs.key
		switch key {
		case "#suggestion":
			key = "#feature"
		case "#techdesk":
			// Passed to the hardware team, or a replacement arranged,
			// of a fault the customer told: the representative confirms
			// it ("lo paso al equipo técnico" of a mail that does not
			// arrive confirms no fault).
			if c.bag["#malfunction"]+c.bag["#outage"] < 1 {
				continue
			}
			key = "#malfunction"
		case "#returnlabel":
			// A return label sent: the customer sends the thing back.
			key = "#return"
		}
		if retracted >= 0 && rs.order < c.sents[retracted].order {
			// Said of what the customer then withdrew or closed ("grazie!
			// senti, un'altra cosa"): it answers that, not the need.
			continue
		}
		c.bag[key] += repSaysWeight * c.weights[rs.order]
	}
	// Setting something up, using it and its working are a question
	// only when the customer asks one: "the schedule runs an hour late"
	// tells of a schedule, "we use it as a baby monitor, everything works"
	// of a use; neither asks how to do something. A customer who wishes
	// for a capability says what works and what they tried in the
	// settings as often as one who asks how: there they count no more
	// than the question itself ("est-ce que l'appli a un mode sombre ?
	// j'ai cherché dans les réglages").
	if asked := c.bag["#question"] + c.bag["#howto"]; asked == 0 {
		for _, k := range [...]string{"#setup", "#use", "#works"} {
			c.bag[k] *= 0.4
		}
	} else if f := c.bag["#feature"]; f > asked {
		// A wish said more than any question asked: what the customer
		// set up, uses and says works is what they wish more of.
		for _, k := range [...]string{"#setup", "#use", "#works"} {
			c.bag[k] = min(c.bag[k], asked) * retractedWeight
		}
	} else if f > 0 {
		for _, k := range [...]string{"#setup", "#use", "#works"} {
			c.bag[k] = min(c.bag[k], asked)
		}
	}
	return c
}

// orWords offer alternatives, folded.
var orWords = wordSet(`or oder ou of oppure`)

// confirmedWeight is what a representative's question the customer
// answered with a plain yes weighs, against the customer's own words.
const confirmedWeight = 0.6

// repSaysWeight is what a representative's statement of repConcepts adds
// to the customer's own words.
const repSaysWeight = 0.8

// repSaid is a concept a representative stated before the customer
// message of the given order.
type repSaid struct {
	key   string
	order int
}

// repConcepts are what a representative's word adds to the customer's:
// the product lacks what was asked for ("that isn't possible in the app
// yet"), when the customer goes on after it, and the request goes on as
// a suggestion ("I'll log it as a suggestion"; not any word of a wish:
// "oui, c'est prévu" answers a question). Either way the customer asks
// for a capability, whatever words they use. A representative who gives
// the steps ("Je vous envoie les étapes pour l'inviter", "ich schicke
// Ihnen die Anleitung") answers a question of how to do it, however the
// customer put it ("mein Mann möchte die Kamera auch sehen"). One who
// passes the matter to the hardware team or arranges a replacement
// treats it as a fault, and one who sends a return label as a return,
// said before the customer's last message or after it.
var repConcepts = [...]string{"#lacks", "#suggestion", "#howto", "#techdesk", "#returnlabel"}

// passedOn are the repConcepts that pass the matter on, and so count
// also when said after the customer's last message.
var passedOn = map[string]bool{"#suggestion": true, "#techdesk": true, "#returnlabel": true}

// representativeSays returns the concepts of repConcepts that a
// representative stated (not asked) before a customer message.
func (c *conversation) representativeSays(lx *lexicon) []repSaid {
	var out []repSaid
	next := 0
	for mi := range c.msgs {
		for next < len(c.customer) && c.customer[next] < mi {
			next++
		}
		m := &c.msgs[mi]
		if m.Role != channel.RoleRepresentative || len(c.customer) == 0 {
			continue
		}
		// Said after the customer's last message, it can only be the
		// representative passing the request on.
		order, last := next, next == len(c.customer)
		if last {
			order--
		}
		for _, sp := range sentences(m.Text) {
			s := sentence{msg: mi, order: order, src: m.Text, start: sp.start, end: sp.end}
			if strings.HasSuffix(strings.TrimSpace(s.text()), "?") {
				continue
			}
			// Most statements say none of it: read them into scratch
			// space, and keep only what does.
			c.scratchToks = tokenize(s.text(), c.scratchToks[:0])
			c.scratchTerms = lx.terms(c.scratchToks, c.scratchTerms[:0])
			s.toks, s.terms = c.scratchToks, c.scratchTerms
			said := false
			for _, k := range repConcepts {
				stated := slices.ContainsFunc(s.terms, func(t term) bool { return t.key == k && !t.neg })
				if k == "#howto" {
					// Instructions for something else ("as instruções pro
					// envio") answer that, not a question of how.
					stated = stated && !slices.ContainsFunc(s.terms, func(t term) bool {
						return t.key != k && isPredicate(t.key) && !frameConcepts[t.key]
					})
				}
				if k == "#howto" && !stated && menuPath(s.text()) && !slices.ContainsFunc(s.terms, func(t term) bool {
					return matterConcepts[t.key] && !t.neg
				}) {
					// "abra o X200, toque em Rede Mesh > Adicionar nó":
					// the way through the app's menus is steps, unless it
					// leads to something else ("Abbonamenti > Metodo di
					// pagamento" answers a billing matter).
					stated = true
				}
				if stated && (!last || passedOn[k]) {
					said = true
					if !slices.Contains(out, repSaid{k, order}) {
						out = append(out, repSaid{k, order})
					}
				}
			}
			if said {
				s.toks, s.terms = slices.Clone(s.toks), slices.Clone(s.terms)
				c.rep = append(c.rep, s)
			} else if !last {
				// Kept unread, for a name the customer only confirms
				// (repStatements).
				s.toks, s.terms = nil, nil
				c.repSpans = append(c.repSpans, s)
			}
		}
	}
	return out
}

// matterConcepts name matters of their own, other than using a product:
// money, the account, orders and what the company does with them.
var matterConcepts = func() map[string]bool {
	m := map[string]bool{"#signin": true, "#password": true, "#order": true, "#delivery": true}
	maps.Copy(m, billingConcepts)
	maps.Copy(m, companyActs)
	return m
}()

// loneNothing returns the index of a word of nothing that makes a clause
// of its own ("put it back on, nothing", "uit en weer aan gezet, niks."):
// what the customer tried did not help. It returns -1 for none.
func loneNothing(toks []token) int {
	for k := range toks {
		if nothingWords[toks[k].fold] && (k == 0 || toks[k].brk) && (k+1 == len(toks) || toks[k+1].brk) {
			return k
		}
	}
	return -1
}

// nothingWords say nothing, folded.
var nothingWords = wordSet(`nothing nada nichts nix rien niente nulla niks niets`)

// menuPath reports whether text leads through menus: names joined by
// "›", "»", "→" or " > " ("Settings > Members").
func menuPath(text string) bool {
	for _, sep := range [...]string{" > ", "›", "»", "→"} {
		if i := strings.Index(text, sep); i > 0 && i+len(sep) < len(text) {
			return true
		}
	}
	return false
}

// repStatements returns the representatives' statements that a customer
// message followed and that may hold one of the words (folded, lower
// case) in heads, read (once each) into words.
func (c *conversation) repStatements(heads []string) []sentence {
	var out []sentence
	for i := range c.repSpans {
		s := &c.repSpans[i]
		if s.toks == nil {
			lower := fold(s.text())
			if !slices.ContainsFunc(heads, func(h string) bool { return strings.Contains(lower, h) }) {
				continue
			}
			// Names only: no terms, so none reads as said to work.
			s.toks = tokenize(s.text(), nil)
		}
		out = append(out, *s)
	}
	return out
}

func (c *conversation) addSentences(lx *lexicon, mi, order, part int, src string) {
	// The shared detector reads the whole text: role lines and the turns
	// they open, instructions, and third-party content.
	spans := instruct.Own(c.vocab.spans(src), c.msgs[mi].From.Email)
	at0 := sentence{msg: mi, order: order, part: part, src: src}
	for _, sp := range sentences(src) {
		toks := c.tokenize(src[sp.start:sp.end])
		if len(toks) == 0 {
			continue
		}
		at, third := spanAt(spans, sp, toks)
		n := len(c.sents)
		if at <= 0 {
			c.addSentence(lx, at0, sp, toks, at == 0)
		} else {
			// Facts first, then the instruction: each its own sentence.
			cut := sp.start + toks[at].start
			facts := span{sp.start, cut}
			for facts.end > facts.start && strings.ContainsRune(" \t,;:-([<", rune(src[facts.end-1])) {
				facts.end--
			}
			c.addSentence(lx, at0, facts, tokenize(src[facts.start:facts.end], nil), false)
			rest := span{cut, sp.end}
			c.addSentence(lx, at0, rest, tokenize(src[rest.start:rest.end], nil), true)
		}
		c.markThird(n, third)
	}
}

// arenaTokens is the least number of tokens an arena has room for.
const arenaTokens = 128

// tokenize is tokenize into the conversation's arena. The tokens returned
// are the sentence's own: appending to them never writes into another's.
func (c *conversation) tokenize(s string) []token {
	free := c.arena[len(c.arena):]
	if cap(free) < len(s)/4+1 {
		// A token takes at least two bytes of text, most take five or
		// more.
		c.arena = make([]token, 0, max(len(s)/3+1, arenaTokens))
		free = c.arena
	}
	toks := tokenize(s, free[:0])
	if len(toks) > 0 && cap(toks) == cap(free) && &toks[:1][0] == &free[:1][0] {
		c.arena = c.arena[:len(c.arena)+len(toks)]
		return toks[:len(toks):len(toks)]
	}
	return toks
}

// markThird marks the sentences added from index n on as third-party
// content.
func (c *conversation) markThird(n int, third bool) {
	for i := n; third && i < len(c.sents); i++ {
		c.sents[i].third = true
	}
}

// addSentence adds the sentence sp of the text that at names (its
// message, order, part and source text), made of toks.
func (c *conversation) addSentence(lx *lexicon, at sentence, sp span, toks []token, instr bool) {
	if len(toks) == 0 {
		return
	}
	s := sentence{msg: at.msg, order: at.order, part: at.part, src: at.src, start: sp.start, end: sp.end, toks: toks, instr: instr}
	s.terms = failedWorkarounds(s.toks, lx.terms(s.toks, make([]term, 0, len(s.toks)/2+1)))
	if s.instr {
		c.instrs++
	}
	s.question = strings.HasSuffix(strings.TrimRight(s.text(), ` )"'`), "?") && !(tellsFault(s.terms) && tagQuestion(s.text())) || asksUnmarked(s.toks)
	s.terms = inContext(&s)
	s.gone, s.lists = timeGoneBy(s.toks), inventory(&s)
	c.sents = append(c.sents, s)
}

// inContext returns the sentence's terms as its other words read them,
// where the lexicon, which reads phrases, cannot: each of the readings
// below in turn. They are called one by one, not from a table, so that
// the sentence they read stays on the stack.
func inContext(s *sentence) []term {
	terms := s.terms
	terms = wantedByItself(s, terms)
	terms = ownNotAtAll(s, terms)
	terms = intensifiedDamage(s, terms)
	terms = intensifierAlone(s, terms)
	terms = wishedTrigger(s, terms)
	terms = clockSchedule(s, terms)
	terms = standIns(s, terms)
	terms = noWayAround(s, terms)
	terms = partDown(s, terms)
	terms = mailNotParcel(s, terms)
	terms = arrivedAtDoing(s, terms)
	terms = brokenPackaging(s, terms)
	terms = networkPassword(s, terms)
	terms = settingChange(s, terms)
	terms = worksBut(s, terms)
	terms = enteringAPlace(s, terms)
	terms = askedHow(s, terms)
	terms = praiseFirst(s, terms)
	terms = willingToPay(terms)
	return saidInPassing(s, terms)
}

// praiseFirst: a sentence that opens with thanks or praise for something
// done before ("un grand merci à votre collègue qui m'a aidée pour le
// thermostat", "complimenti per la spedizione", "bedankt voor de snelle
// vervanging van mijn Home Hub") tells what went well, not the need: the
// whole sentence is a remark in passing (saidInPassing reads it so),
// unless it also tells a fault, negates, turns with a "but" or asks.
func praiseFirst(s *sentence, terms []term) []term {
	k := slices.IndexFunc(terms, func(t term) bool { return t.key == "#praise" })
	if k < 0 {
		return terms
	}
	if terms[k].start > praiseOpening || s.question || tellsFault(terms) || anyFlag(s.toks, fContrast) ||
		slices.ContainsFunc(terms, func(t term) bool { return t.neg }) {
		return slices.Delete(terms, k, k+1)
	}
	terms[k] = term{key: "#passing", w: terms[k].w}
	return terms
}

// willingToPay: a customer who would pay for what they wish ("je serais
// prête à payer un peu plus sur l'abonnement pour ça", "anche pagando di
// più") asks for a capability; the payment and the plan they name are
// no billing matter.
func willingToPay(terms []term) []term {
	if !slices.ContainsFunc(terms, func(t term) bool { return t.key == "#payfor" && !t.neg }) {
		return slices.DeleteFunc(terms, func(t term) bool { return t.key == "#payfor" })
	}
	return slices.DeleteFunc(terms, func(t term) bool { return t.key == "#payfor" || billingConcepts[t.key] })
}

// moneyConcepts are what a question of how asks about when it is a
// matter of money: paying, an invoice, a charge.
var moneyConcepts = map[string]bool{"#payment": true, "#invoice": true, "#charge": true}

// billingConcepts are the concepts of money the customer pays.
var billingConcepts = map[string]bool{"#payment": true, "#fee": true, "#charge": true, "#subscription": true, "#invoice": true}

// praiseOpening is the most words before the thanks that open a
// sentence of praise: "Also erstmal ein großes Lob", "Alors d'abord un
// grand merci".
const praiseOpening = 4

// arrivedAtDoing: "llegar a" and "chegar a" before an infinitive say
// how far the customer got, not that a parcel came: "el electricista no
// lo llegó a instalar", "nem cheguei a usar".
func arrivedAtDoing(s *sentence, terms []term) []term {
	if !hasPlainTerm(terms, "#lost") && !hasPlainTerm(terms, "#delivery") {
		return terms
	}
	for k := 0; k+2 < len(s.toks); k++ {
		w := s.toks[k].fold
		if !strings.HasPrefix(w, "lleg") && !strings.HasPrefix(w, "cheg") || s.toks[k+1].fold != "a" || s.toks[k+2].brk || !infinitive(withoutPronoun(s.toks[k+2].fold)) {
			continue
		}
		terms = slices.DeleteFunc(terms, func(t term) bool {
			return (t.key == "#lost" || t.key == "#delivery") && t.start <= k && t.start >= k-3
		})
	}
	return terms
}

// worksBut: "Funziona, però la temperatura che segna è sbagliata",
// "internet werkt, maar ik zie alleen het 2,4 GHz netwerk": what works
// is granted before the "but" that tells what does not; it says no more
// that the product works.
func worksBut(s *sentence, terms []term) []term {
	return slices.DeleteFunc(terms, func(t term) bool {
		return t.key == "#works" && !t.neg && t.start < len(s.toks) && anyFlag(s.toks[t.start+1:], fContrast)
	})
}

// enteringAPlace: Spanish and Portuguese "entrar" signs in to an app or
// an account, but "se alguém entrar no quintal", "al entrar en casa"
// enters a place: no sign-in.
func enteringAPlace(s *sentence, terms []term) []term {
	return slices.DeleteFunc(terms, func(t term) bool {
		if t.key != "#signin" || t.neg || s.toks[t.start].fold != "entrar" {
			return false
		}
		k := t.start + 1
		if k >= len(s.toks) || s.toks[k].brk || !placeWords[s.toks[k].fold] {
			return false
		}
		for k++; k < len(s.toks) && fillers[s.toks[k].fold]; k++ {
		}
		return k < len(s.toks) && !slices.ContainsFunc(terms, func(u term) bool {
			return u.start == k && (u.key == "#app" || u.key == "#account" || u.key == "#signin")
		})
	})
}

// placeWords lead to the place entered, folded: "no quintal", "en
// casa", "al garaje", "na sala".
var placeWords = wordSet(`no na em en al ao nos nas`)

// settingChange: to change ("cambiar", "trocar", "changer") in a
// sentence about an address changes the address, not the product: "puse
// la dirección de mi antiguo piso, ¿se puede cambiar?"; so does a
// password or a setting changed right after it: "preciso trocar a senha
// do wifi".
func settingChange(s *sentence, terms []term) []term {
	address := hasPlainTerm(terms, "#address")
	return slices.DeleteFunc(terms, func(t term) bool {
		return t.key == "#exchange" && (address || slices.ContainsFunc(terms, func(u term) bool {
			return (u.key == "#password" || u.key == "#setup") && !u.neg && u.start > t.start && u.start <= t.start+3 &&
				!clauseBreak(s.toks, t.start+1, u.start+1)
		}))
	})
}

// saidInPassing: what the customer adds in passing ("Übrigens kam das
// Paket zwei Tage später, war aber alles heil", "au passage votre site
// affiche les prix en dollars") is not the need they write about; its
// terms weigh as little as what they retract.
//
// "Another small thing" says the same of a remark ("un'altra cosa
// piccola: alcune scritte sono ancora in inglese"); of a question ("e
// outra coisinha: dá pra mudar o nome dela?") it opens another need the
// customer wants answered.
func saidInPassing(s *sentence, terms []term) []term {
	k := slices.IndexFunc(terms, func(t term) bool { return (t.key == "#passing" || t.key == "#smallthing") && !t.neg })
	if k < 0 {
		return terms
	}
	if terms[k].key == "#smallthing" {
		if s.question {
			terms[k].key = "#newtopic"
			return terms
		}
		terms[k].key = "#passing"
	}
	from := terms[k].start
	s.passAt = from + 1
	for i := range terms {
		if terms[i].start >= from {
			terms[i].w *= retractedWeight
		}
	}
	return terms
}

// wantedByItself: what the customer wants a device to do by itself is
// automation, not a fault ("queria que ela acendesse sozinha quando
// escurece").
func wantedByItself(s *sentence, terms []term) []term {
	if !anyFlag(s.toks, fWant) {
		return terms
	}
	// "Ich möchte, dass sie Mo-Sa um 5:30 angeht, sonntags gar nicht":
	// what the customer wants it not to do at all is a schedule, not a
	// device down.
	wantsThat := len(s.toks)
	for k := range s.toks {
		if s.toks[k].is(fWant) && wordFrom(s.toks, k+1, 3, func(w string) bool { return thatWords[w] }) {
			wantsThat = k
			break
		}
	}
	return slices.DeleteFunc(terms, func(t term) bool {
		w := s.toks[t.start].fold
		return (t.key == "#malfunction" || t.key == "#problem") && byItself[w] ||
			faultKeys[t.key] && t.start > wantsThat && (notAtAll[w] || subjunctiveAt(s.toks, t.start))
	})
}

// subjunctiveAt reports whether the verb of a phrase at toks[i] (its
// first or second word) is in the Portuguese or Spanish past subjunctive,
// the form of what is wished, not what happens: "queria que o candeeiro
// se acendesse às sete e se apagasse às onze", "quería que se apagara".
func subjunctiveAt(toks []token, i int) bool {
	for k := i; k < len(toks) && k <= i+1; k++ {
		if k > i && toks[k].brk {
			return false
		}
		if endsIn(toks[k].fold, "asse", "esse", "isse", "assem", "essem", "issem", "iera", "ieran", "iese", "iesen", "ara", "aran", "ase", "asen") {
			return true
		}
	}
	return false
}

// inventory reports whether a sentence lists what the customer has, three
// devices or more and nothing about them ("abbiamo il router X200 in
// corridoio, il termostato, qualche presa smart e la Cam4 in
// soggiorno"): the setting of the need, not the need.
func inventory(s *sentence) bool {
	if s.question {
		return false
	}
	// Where devices are named: device words and model names; those
	// within two words of each other in a clause name one device
	// ("router X200", "la Cam4 Outdoor"). "Outdoor" alone is a place
	// ("the garden").
	var buf [16]int
	at := buf[:0]
	for _, t := range s.terms {
		switch {
		case t.key == "#router" || t.key == "#camera" || t.key == "#plug" || t.key == "#thermostat":
			at = append(at, t.start)
		case kindConcepts[t.key]:
		case t.key[0] == '#' && !nounConcepts[t.key] && t.key != "#fine" && t.key != "#setup":
			// "Kurz zu meinem Setup: ..." introduces the list.
			return false
		}
	}
	for i := range s.toks {
		if modelName(s.toks[i].fold) {
			at = append(at, i)
		}
	}
	slices.Sort(at)
	devices := 0
	for k, i := range at {
		if k == 0 || i-at[k-1] > 2 || i > at[k-1] && clauseBreak(s.toks, at[k-1]+1, i+1) {
			devices++
		}
	}
	return devices >= 3
}

// modelName reports whether a folded word is a model's name: short,
// opening with a letter, with a digit in it ("x200", "t2", "cam4").
func modelName(w string) bool {
	return len(w) <= 6 && 'a' <= w[0] && w[0] <= 'z' && hasDigit(w)
}

// timeGoneBy reports whether toks name a year or season gone by: "last
// autumn", "l'an dernier", "el año pasado", "letztes Jahr".
func timeGoneBy(toks []token) bool {
	for k := 1; k < len(toks); k++ {
		p, w := &toks[k-1], &toks[k]
		if p.is(fLast) && w.is(fPeriod) || p.is(fPeriod) && w.is(fGone) {
			return true
		}
	}
	return false
}

// periodWords name a year or a season; lastWords and goneWords say it
// is the last one gone by, before and after it; all folded.
var (
	periodWords = wordSet(`year autumn fall winter summer spring jahr herbst winter sommer fruhling fruhjahr jaar najaar herfst zomer voorjaar ano otono invierno verano primavera anno autunno inverno estate an annee automne hiver ete printemps outono verao`)
	lastWords   = wordSet(`last letztes letzten letzte vorig vorige afgelopen`)
	goneWords   = wordSet(`pasado pasada passado passada dernier derniere scorso scorsa`)
)

// thatWords open a clause of what is wanted, folded.
var thatWords = wordSet(`dass dat que che`)

// ownNotAtAll: the customer's own "not at all" before what they did is
// no device down ("Hab ihn gar nicht erst eingesteckt", "dat heb ik
// helemaal niet gedaan").
func ownNotAtAll(s *sentence, terms []term) []term {
	return slices.DeleteFunc(terms, func(t term) bool {
		return faultKeys[t.key] && notAtAll[s.toks[t.start].fold] && ownDoing(s.toks, t.start)
	})
}

// intensifiedDamage: an intensifier before damage says how damaged, not
// that something is down ("der Karton war komplett eingedrückt", "la
// caja completamente aplastada").
func intensifiedDamage(s *sentence, terms []term) []term {
	return slices.DeleteFunc(terms, func(t term) bool {
		return t.key == "#outage" && intensifiers[s.toks[t.start].fold] && slices.ContainsFunc(terms, func(u term) bool {
			return u.key == "#damaged" && u.start > t.start && u.start <= t.start+2 && !clauseBreak(s.toks, t.start+1, u.start+1)
		})
	})
}

// intensifierAlone: "completely", "total", "volledig" tell how far a
// fault goes where a fault, a negation or a device is told beside them
// ("completely dead", "helemaal geen warmte", "der X200 ist komplett
// tot"); alone they are no outage: "ich hab total vergessen, das im
// Konto zu ändern", "I completely forgot".
func intensifierAlone(s *sentence, terms []term) []term {
	return slices.DeleteFunc(terms, func(t term) bool {
		if t.key != "#outage" || !intensifiers[s.toks[t.start].fold] {
			return false
		}
		near := func(i, before, after int) bool {
			return i >= t.start-before && i <= t.start+after && !clauseBreak(s.toks, min(t.start, i)+1, max(t.start, i)+1)
		}
		for i := max(0, t.start-8); i < len(s.toks) && i <= t.start+8; i++ {
			// A negation right after it, or a model's name ("X200",
			// "T2") near it, which names a device.
			if s.toks[i].is(fNeg) && i > t.start && near(i, 0, 2) || modelName(s.toks[i].fold) && near(i, 8, 8) {
				return false
			}
		}
		return !slices.ContainsFunc(terms, func(u term) bool {
			return faultKeys[u.key] && !intensifiers[s.toks[u.start].fold] && near(u.start, 3, 4) ||
				(kindConcepts[u.key] || deviceConcepts[u.key]) && near(u.start, 8, 8)
		})
	})
}

// wishedTrigger: in a sentence that wishes for a capability, a fault
// told after "when" or "if" is what the wished capability would answer,
// not a fault: "Sarebbe molto utile se l'app mandasse una notifica quando
// una telecamera va offline", "a notice when the hub loses power".
func wishedTrigger(s *sentence, terms []term) []term {
	if !hasPlainTerm(terms, "#feature") {
		return terms
	}
	return slices.DeleteFunc(terms, func(t term) bool {
		if !faultKeys[t.key] || t.neg {
			return false
		}
		for k := t.start - 1; k >= 0 && k >= t.start-6; k-- {
			f := s.toks[k].fold
			if conditionWords[f] && !ambiguousConditions[f] {
				return slices.ContainsFunc(terms, func(u term) bool { return u.key == "#feature" && !u.neg && u.start < k })
			}
			if s.toks[k].brk {
				break
			}
		}
		return false
	})
}

// clockSchedule: a device wished or asked to switch on or off at a time
// of day ("queria que ela ligasse a luz às 18h e desligasse meia noite",
// "can it turn the lamp on at 7pm?") is a schedule to set up.
func clockSchedule(s *sentence, terms []term) []term {
	wants := slices.ContainsFunc(s.toks, func(t token) bool { return t.is(fWant) && t.fold != "like" && t.fold != "graag" })
	if hasTerm(terms, "#setup") || !(s.question || wants) {
		return terms
	}
	sw, clock := -1, false
	for k := range s.toks {
		w := s.toks[k].fold
		if sw < 0 && hasAnyPrefix(w, switchStems) {
			sw = k
		}
		if clockTime(s.toks, k) {
			clock = true
		}
	}
	if sw < 0 || !clock {
		return terms
	}
	return append(terms, term{key: "#setup", w: 1, start: sw})
}

// switchStems begin the verbs of switching a device on or off, folded.
var switchStems = []string{"ligar", "ligas", "ligue", "ligass", "deslig", "allum", "eteign", "eteind", "einschalt", "ausschalt", "anschalt", "angeh", "ausgeh", "anmach", "ausmach",
	"accend", "speng", "aanzet", "uitzet", "aangaan", "uitgaan", "encend", "encien", "apag", "switch", "turn"}

// clockTime reports whether toks[k] tells a time of day: "18h", "18:30",
// "7pm", or a number after "às", "at", "um", "alle", "om", "vers" or
// before "uhr", "uur", "heures", "horas".
func clockTime(toks []token, k int) bool {
	w := toks[k].fold
	if w == "" || w[0] < '0' || w[0] > '9' {
		return false
	}
	digits := strings.TrimLeft(w, "0123456789")
	switch digits {
	case "h", "pm", "am", "uhr", "u":
		return len(w)-len(digits) <= 2
	case "":
	default:
		return len(w)-len(digits) <= 2 && strings.HasPrefix(digits, "h") && strings.Trim(digits[1:], "0123456789") == ""
	}
	if len(w) > 2 {
		return false
	}
	if k+1 < len(toks) && clockAfter[toks[k+1].fold] {
		return true
	}
	return k > 0 && clockBefore[toks[k-1].fold]
}

// clockBefore and clockAfter stand before and after the hour of a time of
// day, folded.
var (
	clockBefore = wordSet(`as at um alle om vers`)
	clockAfter  = wordSet(`uhr uur heures heure horas hora pm am h`)
)

// standIns: what stands in for the device is no workaround of its
// fault, for now or not ("I'm using my phone as a hotspot for now").
func standIns(s *sentence, terms []term) []term {
	return slices.DeleteFunc(terms, func(t term) bool {
		return t.key == "#workaround" && slices.ContainsFunc(terms, func(u term) bool {
			return u.key == "#aside" && !clauseBreak(s.toks, min(t.start, u.start)+1, max(t.start, u.start)+1)
		})
	})
}

// noWayAround drops what only looks like a workaround: an "ok" or "fine"
// that opens a reply ("ok thanks", "fine, I'll wait"), or that tells how
// things were before the fault ("was fine last night", "it was reading
// fine yesterday"), and the other devices that connect "without any
// problem" ("la portera se conecta al wifi sin problema", "le telefono e
// la tv sono connessi senza problemi") or work, which tell the network is
// not to blame.
func noWayAround(s *sentence, terms []term) []term {
	return slices.DeleteFunc(terms, func(t term) bool {
		if t.key != "#workaround" || t.neg {
			return false
		}
		if t.w < 0.5 && (t.start == 0 || wordBefore(s.toks, t.start, 3, pastStateWords)) {
			return true
		}
		from := max(0, t.start-5)
		if withoutWords[s.toks[t.start].fold] && !clauseBreak(s.toks, from+1, t.start+1) &&
			slices.ContainsFunc(s.toks[from:t.start], func(u token) bool { return hasAnyPrefix(u.fold, connectStems) }) {
			return true
		}
		// "Tutti gli altri dispositivi funzionano senza problemi", "die
		// anderen Geräte funktionieren": the other devices work, so the
		// network is not to blame; nothing stands in for the one that
		// does not.
		for k := max(0, t.start-5); k < min(len(s.toks), t.start+5); k++ {
			if otherDeviceWords[s.toks[k].fold] && !clauseBreak(s.toks, min(k, t.start)+1, max(k, t.start)+1) {
				return true
			}
		}
		return false
	})
}

var (
	// otherDeviceWords name devices in general, folded.
	otherDeviceWords = wordSet(`devices device dispositivos dispositivo dispositivi geraete gerate gerat apparaten apparaat apparatuur aparelhos aparelho appareils appareil`)
	// triedWords say the customer tried steps, folded.
	triedWords = wordSet(`tried try trying probiert versucht probeer geprobeerd probeerde probado probe intentado intente tentei tentado tentamos experimentei essaye essayer tente provato provo tentato`)
)

// triedList reports whether a sentence heads a list of steps the
// customer tried ("Wat ik al geprobeerd heb:", "What I tried so far:").
func triedList(s *sentence) bool {
	return strings.HasSuffix(strings.TrimSpace(s.text()), ":") && anyWord(s.toks, triedWords)
}

// listItem reports whether a sentence is an item of a list: it begins
// with a dash, a bullet or a number and a point.
func listItem(s *sentence) bool {
	t := strings.TrimSpace(s.text())
	if t == "" {
		return false
	}
	switch t[0] {
	case '-', '*':
		return true
	}
	if strings.HasPrefix(t, "•") || strings.HasPrefix(t, "–") {
		return true
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 0 && i < len(t) && (t[i] == '.' || t[i] == ')')
}

var (
	// pastStateWords tell how something was before, folded.
	pastStateWords = wordSet(`was were worked working war lief estaba funcionaba iba etait marchait fonctionnait estava funcionava era andava funzionava deed werkte`)
	// connectStems begin the words for connecting, folded.
	connectStems = []string{"connect", "conect", "connett", "conness", "collega", "verbind", "verbund", "koppel"}
)

// hasAnyPrefix reports whether w begins with one of stems.
func hasAnyPrefix(w string, stems []string) bool {
	for _, st := range stems {
		if strings.HasPrefix(w, st) {
			return true
		}
	}
	return false
}

// partDown: a part of a device that stops working while the device
// does its main job ("LAN port 3 died", "el foco ya no se enciende",
// "le projecteur ne s'allume plus", "silenzio totale" of a camera's
// sound) degrades the device; it is no device down.
func partDown(s *sentence, terms []term) []term {
	if anyWord(s.toks, alsoWords) || nonPlus(s.toks) {
		// "le projecteur ne s'allume plus non plus", "der Strahler geht
		// auch nicht mehr an": the part fails beside the device.
		return terms
	}
	var parts []int
	for i, t := range terms {
		if t.key != "#outage" || t.neg {
			continue
		}
		if !nearPart(s.toks, t.start) {
			// "è offline nell'app e il faro non si accende più": the
			// device is down, its part with it.
			return terms
		}
		parts = append(parts, i)
	}
	for _, i := range parts {
		terms[i].key = "#degraded"
	}
	return terms
}

// nearPart reports whether a word of partWords stands in the clause of
// toks[i], at most six words before it or three after.
func nearPart(toks []token, i int) bool {
	for k := max(0, i-6); k < min(len(toks), i+4); k++ {
		if partWords[toks[k].fold] && !clauseBreak(toks, min(k, i)+1, max(k, i)+1) {
			return true
		}
	}
	return false
}

// alsoWords add one thing to another, folded.
var alsoWords = wordSet(`also too either neither tampoco tambien auch ebenfalls tambem aussi anche neanche nemmeno ook evenmin`)

// nonPlus reports whether French "non plus" (neither) stands in toks.
func nonPlus(toks []token) bool {
	for k := 1; k < len(toks); k++ {
		if toks[k].fold == "plus" && toks[k-1].fold == "non" {
			return true
		}
	}
	return false
}

// partWords name the parts of a device that can fail alone, folded.
var partWords = wordSet(`port ports poort poorten puerto puertos anschluss buchse lan
floodlight spotlight projecteur foco faro faretto strahler scheinwerfer schijnwerper
speaker speakers altavoz altoparlante lautsprecher luidspreker microphone mic microfono mikrofon microfone microfoon
audio sound sonido suono geluid silence silenzio stilte
5ghz 6ghz frequentieband`)

// mailNotParcel: a mail, code, link or invoice, or money that does not
// reach the card ("sulla carta non è arrivato niente"), is no lost
// parcel, unless the sentence speaks of a parcel too.
func mailNotParcel(s *sentence, terms []term) []term {
	if !anyWord(s.toks, mailWords) || anyWord(s.toks, parcelWords) {
		return terms
	}
	return slices.DeleteFunc(terms, func(t term) bool { return t.key == "#lost" || t.key == "#delivery" || t.key == "#late" })
}

// brokenPackaging: a box that is broken, torn or wet is damaged in
// transit, not a device at fault ("el cartón de afuera también estaba
// roto y mojado", "der Karton war kaputt"); tracking that does not work
// is a delivery matter ("de track & trace doet het niet eens").
func brokenPackaging(s *sentence, terms []term) []term {
	terms = faultOf(s, terms, packagingWords, "#damaged")
	return faultOf(s, terms, trackingWords, "#delivery")
}

// faultOf reads the faults said of a thing the words of set name (a fault
// within six words after one of them, no device named between) as key.
func faultOf(s *sentence, terms []term, set map[string]bool, key string) []term {
	if !anyWord(s.toks, set) {
		return terms
	}
	of := func(t term) bool {
		if !faultKeys[t.key] || t.neg || !wordBefore(s.toks, t.start, 6, set) {
			return false
		}
		// "der Karton war heil, aber die Kamera ist kaputt": the thing
		// named last is what is broken.
		return !slices.ContainsFunc(terms, func(u term) bool {
			return kindConcepts[u.key] && u.start < t.start && u.start >= t.start-6 && !set[s.toks[u.start].fold]
		})
	}
	moved := false
	for i, t := range terms {
		if of(t) {
			terms[i].key, moved = key, true
		}
	}
	if !moved {
		return terms
	}
	// One phrase says it once, whatever faults it said.
	return slices.CompactFunc(terms, func(a, b term) bool { return a.key == key && b.key == key && a.start == b.start })
}

// trackingWords name a parcel's tracking, folded.
var trackingWords = wordSet(`tracking track trace sendungsverfolgung verfolgung rastreio rastreamento seguimiento suivi tracciamento tracciabilita`)

// networkPassword: the password of the wifi network is no account's but
// the network's setting, as "wifi password" reads ("le nom du réseau et
// le mot de passe restent les mêmes ?").
//
// So is a password the customer would rather not give out ("so I don't
// have to give everyone the password", "sem eu ter que passar minha
// senha"), or one for guests: theirs to share, not one they lost.
func networkPassword(s *sentence, terms []term) []term {
	if !anyFlag(s.toks, fNetwork|fGuest|fGiving) {
		return terms
	}
	ofNetwork := func(t term) bool {
		if !slices.ContainsFunc(terms, func(u term) bool { return u.key == "#password" && u.start == t.start }) {
			return false
		}
		for k := max(0, t.start-5); k < min(len(s.toks), t.start+6); k++ {
			u := &s.toks[k]
			if (u.is(fNetwork|fGuest) || u.is(fGiving) && (negated(s.toks, k) || negated(s.toks, t.start))) && !clauseBreak(s.toks, min(k, t.start)+1, max(k, t.start)+1) {
				return true
			}
		}
		// "leur donner un wifi à part, sans qu'ils aient mon mot de
		// passe": a network without the customer's password.
		return (negated(s.toks, t.start) || wordBefore(s.toks, t.start, 5, withoutWords)) && anyFlag(s.toks, fNetwork|fGuest)
	}
	for i, t := range terms {
		if t.key == "#password" && ofNetwork(t) {
			terms[i].key = "#setup"
		}
	}
	return slices.DeleteFunc(terms, func(t term) bool {
		return t.key == "#signin" && slices.ContainsFunc(terms, func(u term) bool { return u.key == "#setup" && u.start == t.start })
	})
}

// withoutWords say without, folded.
var withoutWords = wordSet(`without sin sem ohne sans senza zonder`)

// guestWords name guests, folded.
var guestWords = wordSet(`guest guests gast gaste gasten gastnetwerk invite invites invitado invitados convidado convidados visitas ospite ospiti`)

// givingWords give something out, folded.
var givingWords = wordSet(`give giving hand share sharing dar dando passar compartir compartilhar partilhar geben rausgeben herausgeben weitergeben teilen donner partager dare condividere geven delen`)

// networkWords name a wifi network, folded.
var networkWords = wordSet(`wifi wi fi wlan network netzwerk netz reseau red rede rete netwerk ssid`)

// packagingWords name the box and wrapping a product comes in, folded.
var packagingWords = wordSet(`box carton cardboard packaging caja carton embalaje envoltorio karton verpackung schachtel caixa embalagem boite emballage scatola imballaggio imballo confezione doos verpakking`)

// askedHow: a question asked with "how" asks how to do it ("oi como
// partilho a camara?"), unless it asks how long, how much or why, or
// how the company goes about it ("¿cómo lo hacemos?"); "como"/"come"
// before a pronoun asks how only in a question ("como la app se abre"
// is "as the app opens") or before a verb in the first person that
// ends the clause ("come lo collego").
func askedHow(s *sentence, terms []term) []term {
	switch {
	case s.question && !hasTerm(terms, "#howto"):
		for k := range s.toks {
			if howWords[s.toks[k].fold] && (k+1 >= len(s.toks) || !quantityWords[s.toks[k+1].fold]) {
				if !slices.ContainsFunc(terms, func(t term) bool { return t.key == "#request" && t.start == k }) {
					terms = append(terms, term{key: "#howto", w: 1, start: k})
				}
				break
			}
		}
	case !s.question:
		terms = slices.DeleteFunc(terms, func(t term) bool {
			return (t.key == "#howto" || t.key == "#question") && t.start+1 < len(s.toks) &&
				(s.toks[t.start].fold == "como" || s.toks[t.start].fold == "come") && objectPronouns[s.toks[t.start+1].fold] &&
				!firstPersonAsk(s.toks, t.start+2)
		})
	}
	return terms
}

// firstPersonAsk reports whether toks[k] ends a clause with a verb in
// the first person of the present ("come lo collego", "como lo hago",
// "como o ligo"): after "como"/"come" and a pronoun it asks how, typed
// without its question mark.
func firstPersonAsk(toks []token, k int) bool {
	if k >= len(toks) || toks[k].brk || !firstPersonVerb(&toks[k]) {
		return false
	}
	return k+1 == len(toks) || toks[k+1].brk
}

// notAtAll open a "not at all" in German and Dutch, folded.
var notAtAll = wordSet(`gar uberhaupt helemaal totaal`)

// ownDoing reports whether the words around toks[i] tell what the
// customer did: a first person before it and a past participle
// ("eingesteckt", "geschaut", "gedaan") within the four words after it,
// or opening its clause within six words before it ("Angeschlossen hab
// ich sie gar nicht erst").
func ownDoing(toks []token, i int) bool {
	if !slices.ContainsFunc(toks[:i], func(t token) bool { return firstPerson[t.fold] }) {
		return false
	}
	if wordFrom(toks, i, 4, participle) {
		return true
	}
	for k := i - 1; k >= 0 && k >= i-6; k-- {
		if participle(toks[k].fold) {
			return true
		}
		if toks[k].brk {
			return false
		}
	}
	return false
}

// participle reports whether a folded German or Dutch word looks like a
// past participle: "geschaut", "gedaan", "eingesteckt", "aangesloten".
func participle(w string) bool {
	if len(w) < 6 {
		return false
	}
	for _, p := range [...]string{"", "ein", "an", "aus", "auf", "ab", "zu", "um", "aan", "uit", "op", "in"} {
		if strings.HasPrefix(w, p+"ge") && len(w) >= len(p)+5 {
			return true
		}
	}
	return false
}

// firstPerson are the words of a speaker's own doing, folded.
var firstPerson = wordSet(`ich wir hab habe haben ik we heb hebben`)

// intensifiers say "completely", folded.
var intensifiers = wordSet(`completely totally total totalmente completamente komplett vollig voellig completement totalement volledig helemaal`)

// mailWords name mails, messages, codes, links, invoices, refunds, money
// and cards: what arrives other than by parcel; parcelWords name parcels
// and orders. Folded.
var (
	mailWords = wordSet(`mail mails email emails correo correos courriel courriels mensaje mensajes mensagem mensagens message messages sms code codes codigo codigos codice codici link links enlace enlaces lien liens
		invoice invoices receipt factura facturas fatura faturas fiscal fattura ricevuta rechnung quittung facture factuur
		refund refunds reembolso rimborso remboursement erstattung ruckerstattung gutschrift terugbetaling money dinero dinheiro soldi argent geld
		card tarjeta karte cartao carte carta kaart`)
	parcelWords = wordSet(`parcel package order delivery shipment shipping courier carrier tracking paquete pedido envio entrega transporte transportista mensajero seguimiento
paket sendung lieferung bestellung versand zusteller pacote encomenda entrega transportadora rastreio colis commande livraison livreur transporteur suivi
pacco ordine consegna corriere spedizione pakket bestelling zending levering bezorging bezorger`)
)

// howWords ask how, folded; quantityWords after them ask how much, how
// long or how many instead, or why ("come mai", "how come").
var (
	howWords      = wordSet(`how como come comment wie hoe`)
	quantityWords = wordSet(`long much many often come lange viel viele oft lang vaak veel tanto tantos tanta tantas longtemps mai assim`)
)

// objectPronouns are the Spanish, Portuguese and Italian object
// pronouns and articles that can follow "como"/"come", folded.
var objectPronouns = wordSet(`lo la los las le les me te o a os as`)

// byItself are the first words of the phrases that say a device acts
// by itself ("by itself", "sozinha", "von selbst", "tout seul"), folded.
var byItself = wordSet(`by on von tout toute por sozinho sozinha sozinhos sozinhas da vanzelf`)

// nowWords tell the present state, folded.
var nowWords = wordSet(`now ahora jetzt nun agora maintenant desormais adesso ora nu inmiddels`)

// questionTags turn a statement into a question that only seeks
// agreement ("this isn't normal, is it?"), folded.
var questionTags = wordSet(`right no yes eh correct verdad cierto oder nicht gell ne stimmts nao certo verdade non hein vero giusto toch niet he`)

// saysResolved reports whether a sentence says the problem is solved:
// not that it is not ("it's still not fixed"), not that the customer
// wants it ("I need this sorted") or that something would solve it, not
// a stop-gap ("for now I got round it"), not on a condition ("als ik
// de stekker eruit trek, werkt hij weer een paar uur": a workaround),
// and not asked for ("Can you sort it or swap it before we go?",
// "Kunnen jullie laten weten hoe dit wordt opgelost?").
func saysResolved(s *sentence) bool {
	if s.question {
		return false
	}
	for _, t := range s.terms {
		if t.key != "#resolved" || t.neg || s.passAt > 0 && t.start >= s.passAt-1 {
			// What is said in passing ("bedankt voor de snelle vervanging,
			// alles werkte meteen weer") is not this need solved.
			continue
		}
		if slices.ContainsFunc(s.terms, func(u term) bool { return u.key == "#request" && !u.neg && u.start < t.start }) {
			return false
		}
		// Portuguese "resolvi escrever", "resolvemos perguntar": decided
		// to, before an infinitive.
		if w := s.toks[t.start].fold; strings.HasPrefix(w, "resolv") && t.start+1 < len(s.toks) && !s.toks[t.start+1].brk &&
			romanceInfinitive(s.toks[t.start+1].fold) {
			return false
		}
		for k := 0; k < t.start && k < len(s.toks); k++ {
			if conditionWords[s.toks[k].fold] && !ambiguousConditions[s.toks[k].fold] ||
				ambiguousConditions[s.toks[k].fold] && (k == 0 || s.toks[k].brk) && k+1 < t.start && !s.toks[k+1].brk {
				return false
			}
		}
		// "ik wil dit zo snel mogelijk opgelost hebben", "I need this
		// fixed", "ich hoffe, das wird bald gelöst": a wish; "a limited
		// role would solve it": a hypothesis.
		for k := 0; k < t.start && k < len(s.toks); k++ {
			if wishWords[s.toks[k].fold] || hypotheticalWords[s.toks[k].fold] {
				return false
			}
			// "Ik had eerder al gebeld over de stekkers, dat is inmiddels
			// opgelost": what an earlier contact was about is solved, not
			// what this message asks.
			if contactedWords[s.toks[k].fold] {
				return false
			}
		}
		if t.start < len(s.toks) && conditionalForm(s.toks[t.start].fold) {
			return false // "lo solucionaría", "risolverebbe"
		}
		// "none of our automations work now": the outage is the subject
		// of what works, in the same clause.
		if slices.ContainsFunc(s.terms, func(u term) bool {
			return u.start < t.start && !u.neg && u.key == "#outage" && !clauseBreak(s.toks, u.start+1, t.start+1)
		}) {
			return false
		}
		// "everything works fine again until the next one": for a while.
		if wordFrom(s.toks, t.start, len(s.toks), func(w string) bool { return untilWords[w] }) {
			return false
		}
		// "testé la prise avec une lampe (ça marche) ... : rien, elle est
		// complètement morte": what works is something else.
		if slices.ContainsFunc(s.terms, func(u term) bool {
			return u.start > t.start && !u.neg && (u.key == "#malfunction" || u.key == "#outage")
		}) {
			return false
		}
		// "Ça marche bien, mais à chaque fois il faut ouvrir l'appli":
		// it works, but something is still wanted.
		if anyFlag(s.toks[t.start:], fContrast) {
			return false
		}
		// "per ora ho risolto alzando la temperatura": a stop-gap (not a
		// mere "ok").
		return !slices.ContainsFunc(s.terms, func(u term) bool { return u.key == "#workaround" && !u.neg && u.w >= 0.5 })
	}
	return false
}

// romanceInfinitive reports whether w looks like a Portuguese or Spanish
// infinitive ("escrever", "perguntar", "pedir").
func romanceInfinitive(w string) bool {
	return len(w) >= 5 && (strings.HasSuffix(w, "ar") || strings.HasSuffix(w, "er") || strings.HasSuffix(w, "ir"))
}

// otherMatter reports whether toks say that something is another matter.
func otherMatter(toks []token) bool {
	for i := 1; i < len(toks); i++ {
		if otherMatters[[2]string{toks[i-1].fold, toks[i].fold}] {
			return true
		}
	}
	return false
}

// clauseBreak reports whether a clause boundary comes before any of
// toks[i:j].
func clauseBreak(toks []token, i, j int) bool {
	return slices.ContainsFunc(toks[i:min(j, len(toks))], func(t token) bool { return t.brk })
}

// conditionWords open a condition, folded. The ambiguous ones do only
// where a clause starts and not right before what they condition:
// Spanish "sí, ya se solucionó" (yes) and "se arregló" (reflexive) are
// no conditions.
var (
	conditionWords = wordSet(`if when whenever als wanneer wenn sobald si cuando quand se quando`)
	// hypotheticalWords make what follows a hypothesis, folded.
	// German "würde" and "könnte" fold to "wurde" (was) and "konnte"
	// (managed to), so they are left out.
	hypotheticalWords = wordSet(`would might seria serian podria podrian seriam poderia
		serait seraient pourrait sarebbe sarebbero potrebbe zou zouden`)
	// wishWords want, need or hope for something, in the present,
	// folded: wantWords without "like" (it "looks like" it is fixed),
	// and the words of needing and hoping.
	wishWords = func() map[string]bool {
		m := wordSet(`need needs hope queremos necesito necesitamos espero will mochten brauche brauchen hoffe
			precisamos preciso gostava gostavamos veux voulons besoin espere vogliamo spero bisogno wilt willen hoop`)
		for w := range wantWords {
			if w != "like" {
				m[w] = true
			}
		}
		return m
	}()
	ambiguousConditions = wordSet(`si se`)
	// contactedWords tell of an earlier contact with the company, folded.
	contactedWords = wordSet(`called rang phoned contacted wrote talked spoke gebeld gemaild geschreven gesproken angerufen geschrieben kontaktiert
		llame escribi contacte hable liguei escrevi contactei falei appele ecrit parle chiamato scritto contattato parlato`)
	// otherMatters say that something is another matter, as folded word
	// pairs: "otra cosa", "something else", "los davon".
	otherMatters = map[[2]string]bool{
		{"otra", "cosa"}: true, {"otro", "tema"}: true, {"something", "else"}: true, {"another", "matter"}: true,
		{"different", "matter"}: true, {"etwas", "anderes"}: true, {"los", "davon"}: true, {"outra", "coisa"}: true,
		{"outro", "assunto"}: true, {"autre", "chose"}: true, {"autre", "sujet"}: true, {"altra", "cosa"}: true,
		{"altro", "argomento"}: true, {"iets", "anders"}: true, {"los", "van"}: true, {"ander", "onderwerp"}: true,
	}
	// untilWords say for how long, folded.
	untilWords = wordSet(`until till hasta bis ate jusqu jusqua finche fino tot`)
)

// conditionalForm reports whether a folded word has the ending of a
// Romance conditional: "solucionaría", "resolveria", "résoudrait",
// "risolverebbe".
func conditionalForm(w string) bool {
	return endsIn(w, "ria", "rian", "riam", "rait", "raient", "rebbe", "rebbero")
}

// endsIn reports whether w ends in one of ends after a stem of more than
// three letters: the ending of a verb form, not a short word.
func endsIn(w string, ends ...string) bool {
	for _, end := range ends {
		if len(w) > len(end)+3 && strings.HasSuffix(w, end) {
			return true
		}
	}
	return false
}

// tellsFault reports whether terms tell of a fault, not denied.
func tellsFault(terms []term) bool {
	return slices.ContainsFunc(terms, func(t term) bool {
		return !t.neg && (t.key == "#malfunction" || t.key == "#outage" || t.key == "#problem")
	})
}

// tagQuestion reports whether the sentence s is a statement with a
// question tag after its last comma: told of a fault ("this isn't
// normal, is it?"), it asks nothing; told of what to do ("I have to do
// it on each one, right?"), it asks for confirmation.
func tagQuestion(s string) bool {
	i := strings.LastIndexByte(s, ',')
	if i < 0 || len(tokenize(s[:i], nil)) < 3 {
		return false
	}
	tag := tokenize(s[i+1:], nil)
	switch {
	case len(tag) == 1:
		return questionTags[tag[0].fold]
	case len(tag) <= 4:
		var b strings.Builder
		for k, t := range tag {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t.fold)
		}
		return longTags[b.String()]
	}
	return false
}

// longTags are question tags of more than one word, folded.
var longTags = map[string]bool{
	"isnt it": true, "is it": true, "doesnt it": true, "wasnt it": true, "arent they": true, "dont you": true, "dont they": true,
	"nicht wahr": true, "n est ce pas": true, "no es cierto": true, "nao e": true, "nao e verdade": true, "non e vero": true, "of niet": true,
}

// lastOwn returns the index of the last sentence of the customer's own
// text (not an instruction, not passed-on content) for which ok holds,
// -1 for none.
func (c *conversation) lastOwn(ok func(i int, s *sentence) bool) int {
	last := -1
	for i := range c.sents {
		s := &c.sents[i]
		if s.part == partText && !s.instr && !s.third && ok(i, s) {
			last = i
		}
	}
	return last
}

// thanksWords thank, folded.
var thanksWords = wordSet(`thanks thank thx ty cheers gracias danke merci obrigado obrigada grazie bedankt dank`)

// thanked reports whether c.sents[i], or the sentence before it in the
// same message, thanks: "ok thanks, and another thing" closes one matter
// to open the next.
func (c *conversation) thanked(i int) bool {
	for k := i; k >= 0 && k >= i-1 && c.sents[k].msg == c.sents[i].msg; k-- {
		if anyWord(c.sents[k].toks, thanksWords) {
			return true
		}
	}
	return false
}

// settledBefore reports whether a sentence before c.sents[i] says the
// problem is solved.
func (c *conversation) settledBefore(i int) bool {
	for k := range i {
		if saysResolved(&c.sents[k]) {
			return true
		}
	}
	return false
}

// saysAllFine reports whether a sentence only says that something is
// fine: it says so ("no complaints", "works perfectly"), with no fault
// and no "but".
func saysAllFine(s *sentence) bool {
	if !hasPlainTerm(s.terms, "#fine") {
		return false
	}
	for _, t := range s.terms {
		if (t.key == "#malfunction" || t.key == "#problem" || t.key == "#outage" || t.key == "#howto" || t.key == "#feature" || t.key == "#lacks") && !t.neg {
			return false
		}
	}
	return !anyFlag(s.toks, fContrast)
}

// faultKeys are the concepts of a fault.
var faultKeys = map[string]bool{"#malfunction": true, "#outage": true, "#problem": true}

// seeing reports whether a verb of seeing stands within the three words
// from toks[i], in its clause: "can't see", "no puedo ver", "non riesco
// a vedere".
func seeing(toks []token, i int) bool {
	return wordFrom(toks, i, 3, func(w string) bool { return seeWords[w] })
}

// seeWords see, folded.
var seeWords = wordSet(`see view watch ver veo vejo sehen ansehen voir vois vedere vedo zien`)

// wantedWeight scales a situation the customer says they want: "je
// voudrais retourner le thermostat", "gostaria de trocar este kit" is
// the need itself, what follows in the chat mostly its reasons. "Vorrei
// sapere" frames a question; it wants no situation.
const wantedWeight = 2

// wanted reports whether a want word stands at most three words before
// toks[i], in its clause.
func wanted(toks []token, i int) bool { return wordBefore(toks, i, 3, wantWords) }

// wantWords say the customer wants something, folded.
var wantWords = wordSet(`want wants like mochte moechte quiero quisiera quero gostaria queria voudrais aimerais souhaite vorrei voglio wil graag`)

// asksAnew reports whether a sentence asks for something: a question, a
// request or a wish.
func asksAnew(s *sentence) bool {
	return s.question || hasPlainTerm(s.terms, "#request") || anyFlag(s.toks, fWant)
}

// failedWorkarounds drops a workaround that the sentence says failed: a
// fault told after it with no "but" between ("auch per Kabel bekomme ich
// keine Verbindung", "even with a cable nothing loads"). "With a cable it
// works, but the wifi drops" keeps it.
func failedWorkarounds(toks []token, ts []term) []term {
	if !slices.ContainsFunc(ts, func(t term) bool { return t.key == "#workaround" && !t.neg }) {
		return ts
	}
	out := ts[:0]
	for i, t := range ts {
		if t.key == "#workaround" && failedAfter(toks, ts[i+1:], t.start) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// failedAfter reports whether a fault term of ts comes after token at with
// no contrast word between.
func failedAfter(toks []token, ts []term, at int) bool {
	for _, t := range ts {
		if t.key != "#malfunction" && t.key != "#outage" || t.neg || t.start <= at {
			continue
		}
		for j := at + 1; j < t.start && j < len(toks); j++ {
			// "... but it drops again", "riparte e funziona per qualche
			// ora, poi di nuovo offline": the fault comes back, the
			// workaround held.
			if toks[j].is(fContrast) || againWords[toks[j].fold] {
				return false
			}
		}
		return true
	}
	return false
}

// againWords say a fault comes back, folded.
var againWords = wordSet(`again nuovo nuevo novo nouveau wieder opnieuw weer`)

// questionOpeners are the word pairs, folded, that open a question of the
// customer's own, with or without its question mark ("cn i do that w the
// x300", "kann man das einstellen"). Requests to the company ("can you
// ...") are not among them.
var questionOpeners = func() map[[2]string]bool {
	m := map[[2]string]bool{}
	for _, q := range strings.Split(`can i|cn i|could i|do i|does it|does this|does the|is there|are there|is it possible|how do|how can|how to|how does|what do i|where do i|where can i|`+
		`kann ich|kann man|konnen wir|muss ich|gibt es|wie kann|wie geht|wie stelle|wo kann|wo finde|geht das|`+
		`kan ik|kan je|kun je het|moet ik|is er|hoe kan|hoe moet|hoe stel|waar kan|`+
		`est ce|puis je|peut on|comment faire|comment on|ou est ce|`+
		`como hago|como puedo|se puede|donde puedo|hay forma|hay manera|`+
		`como faco|como posso|da para|tem como|onde posso|`+
		`come faccio|come posso|si puo|dove posso|c e modo`, "|") {
		w := strings.Fields(q)
		m[[2]string{w[0], w[1]}] = true
	}
	return m
}()

// asksUnmarked reports whether a clause of a sentence, after an opening
// "so", "and", "ok" or "hey", opens as a question of questionOpeners.
func asksUnmarked(toks []token) bool {
	for start := range toks {
		if start > 0 && !toks[start].brk {
			continue
		}
		i := start
		for i < len(toks)-2 && (i == start || !toks[i].brk) && clauseOpeners[toks[i].fold] {
			i++
		}
		if i+1 < len(toks) && !toks[i+1].brk && questionOpeners[[2]string{toks[i].fold, toks[i+1].fold}] {
			return true
		}
		// "Cómo añadir el nodo", "Comment ajouter un satellite", "Wie
		// füge ich ... hinzu", "Hoe voeg ik ... toe": a question put as a
		// title, at the start of a sentence.
		if start == 0 && i+1 < len(toks) && !toks[i+1].brk && howWords[toks[i].fold] && toks[i].fold != "how" && !adverbs[toks[i+1].fold] &&
			(infinitive(toks[i+1].fold) || i+2 < len(toks) && !toks[i+2].brk && askerWords[toks[i+2].fold] || firstPersonVerb(&toks[i+1])) {
			return true
		}
	}
	return false
}

// firstPersonVerb reports whether a Romance word has the ending of a verb's
// first person ("coloco", "conecto", "collego"), as the question typed
// without its mark asks: "como coloco ele na rede", "come collego il
// nodo".
func firstPersonVerb(t *token) bool {
	w := t.fold
	return len(w) >= 5 && w[len(w)-1] == 'o' && !t.is(fStop)
}

// infinitive reports whether a folded Romance word has the ending of an
// infinitive: "anadir", "aggiungere", "ajouter", "adicionar".
func infinitive(w string) bool {
	if len(w) < 5 {
		return false
	}
	switch w[len(w)-2:] {
	case "ar", "er", "ir", "re":
		return true
	}
	return false
}

// withoutPronoun returns a folded Spanish or Portuguese verb without
// the object pronoun written onto it: "usarlo" is "usar".
func withoutPronoun(w string) string {
	for _, p := range [...]string{"los", "las", "lo", "la", "le", "me", "se"} {
		if v, ok := strings.CutSuffix(w, p); ok && len(v) >= 5 && v[len(v)-1] == 'r' {
			return v
		}
	}
	return w
}

// adverbs that end like infinitives, folded: "come sempre".
var adverbs = wordSet(`sempre siempre`)

// askerWords ask after a verb in German and Dutch questions: "wie füge
// ich", "hoe voeg ik", "wie macht man".
var askerWords = wordSet(`ich man ik je we wir`)

var clauseOpeners = map[string]bool{"so": true, "and": true, "ok": true, "hey": true, "also": true, "but": true}

// inInstruction reports whether offset at of the subject (subject set) or
// the text of message mi lies in a sentence that is an instruction to the
// system: identifiers and addresses there are dictated, not facts.
func (c *conversation) inInstruction(mi int, subject bool, at int) bool {
	if c.instrs == 0 {
		return false
	}
	part := partText
	if subject {
		part = partSubject
	}
	read := false
	for i := range c.sents {
		s := &c.sents[i]
		if s.msg != mi || s.part != part {
			continue
		}
		read = true
		if s.instr && s.start <= at && at < s.end {
			return true
		}
	}
	if read || !subject {
		return false
	}
	// A subject repeated from an earlier message ("Re: ...") was read
	// there only: read this one now.
	for _, s := range c.vocab.spans(c.msgs[mi].Subject) {
		if s.Kind == instruct.Instruction && s.Start <= at && at < s.End {
			return true
		}
	}
	return false
}

func hasTerm(ts []term, key string) bool {
	for _, t := range ts {
		if t.key == key {
			return true
		}
	}
	return false
}

// affirmatives open a plain yes.
var affirmatives = map[string]bool{
	"yes": true, "yeah": true, "yep": true, "yup": true, "correct": true, "exactly": true, "right": true, "indeed": true,
	"si": true, "claro": true, "correcto": true, "exacto": true, "efectivamente": true,
	"ja": true, "genau": true, "richtig": true, "stimmt": true, "korrekt": true,
	"sim": true, "isso": true, "exato": true, "certo": true, "correto": true,
	"oui": true, "exactement": true, "absolument": true, "effectivement": true,
}

// leadingTokens returns the tokens of text, or at least its first six
// when it is long: all a short answer is told by.
func leadingTokens(text string) []token {
	const prefix = 96
	if len(text) > prefix {
		cut := prefix
		for cut < len(text) && !utf8.RuneStart(text[cut]) {
			cut++
		}
		if toks := tokenize(text[:cut], nil); len(toks) > 5 {
			return toks
		}
	}
	return tokenize(text, nil)
}

// opensAffirmative reports whether text's first word opens a plain yes;
// it reads that word alone.
func opensAffirmative(text string) bool {
	var buf [16]byte
	w := buf[:0]
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		if !isWordRune(r) {
			if len(w) == 0 {
				continue
			}
			if isApostrophe(r) && i < len(text) {
				// "right's" is another word.
				if r2, _ := utf8.DecodeRuneInString(text[i:]); isWordRune(r2) {
					return false
				}
			}
			break
		}
		if w = textfold.AppendRune(w, r); len(w) > len(buf) {
			return false // longer than any affirmative
		}
	}
	return affirmatives[string(w)]
}

// confirmedQuestion returns the representative message that the customer
// message mi answers with a plain yes, or -1: the message right before
// it, a question, and mi opening with "yes" as a sentence of its own or
// being short.
func confirmedQuestion(msgs []channel.Message, mi int) int {
	if mi == 0 {
		return -1
	}
	r := &msgs[mi-1]
	if r.Role != channel.RoleRepresentative || !strings.Contains(r.Text, "?") {
		return -1
	}
	if !opensAffirmative(msgs[mi].Text) {
		return -1
	}
	toks := leadingTokens(msgs[mi].Text)
	if len(toks) == 1 || toks[1].brk || len(toks) <= 4 {
		return mi - 1
	}
	return -1
}
