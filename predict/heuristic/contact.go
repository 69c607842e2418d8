package heuristic

import (
	"context"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// maxDirectoryQueries bounds the directory look-ups of one request.
const maxDirectoryQueries = 10

// contactCandidate is one way to look up the customer.
type contactCandidate struct {
	q     predict.ContactQuery
	conf  float64
	msg   int // -1 when the value comes from the channel
	quote string
}

// nameCues introduce the customer's own name.
var nameCues = [][]string{
	{"my", "name", "is"}, {"my", "names"}, {"name", "is"}, {"this", "is"}, {"i", "am"}, {"im"}, {"it", "is"}, {"its"},
	{"me", "llamo"}, {"mi", "nombre", "es"}, {"soy"}, {"le", "habla"}, {"habla"},
	{"mein", "name", "ist"}, {"ich", "bin"}, {"hier", "ist"}, {"ich", "heisse"},
	{"meu", "nome", "e"}, {"me", "chamo"}, {"sou", "o"}, {"sou", "a"}, {"sou"}, {"aqui", "e", "o"}, {"aqui", "e", "a"}, {"aqui", "e"}, {"aqui", "fala"}, {"hier", "spricht"},
	{"je", "m", "appelle"}, {"mon", "nom", "est"}, {"je", "suis"}, {"c", "est"}, {"c", "est", "moi"},
	{"mi", "chiamo"}, {"il", "mio", "nome", "e"}, {"sono"}, {"sono", "io"}, {"qui", "e"}, {"qui", "parla"}, {"parla"},
	{"mijn", "naam", "is"}, {"hier", "is"}, {"ik", "ben"}, {"ik", "heet"}, {"u", "spreekt", "met"},
	{"its", "me"}, {"it", "is", "me"}, {"me"},
	{"ici"}, {"met"}, {"hier", "met"}, {"con"}, {"com"},
	// The name an order or account is under: "op naam van Quinn Taylor".
	{"op", "naam", "van"}, {"in", "the", "name", "of"}, {"under", "the", "name"}, {"a", "nombre", "de"},
	{"auf", "den", "namen"}, {"em", "nome", "de"}, {"au", "nom", "de"}, {"a", "nome", "di"},
}

// openingCues introduce a name only where a clause starts, as on the
// phone: "Bonjour, ici Chen Wei", "Hoi, met Kavya Nair"; elsewhere they
// are ordinary words ("met Home Hub", "con Ana").
var openingCues = map[string]bool{"ici": true, "met": true, "hier met": true, "con": true, "com": true}

// looseCues may be followed by a name typed in lower case, as chat users
// do; the others ("I am ...", "soy ...") only by capitalised words.
var looseCues = map[string]bool{
	"my name is": true, "name is": true, "this is": true, "me llamo": true, "mi nombre es": true, "mein name ist": true, "hier ist": true,
	"meu nome e": true, "me chamo": true, "aqui e o": true, "aqui e a": true, "aqui e": true, "hier spricht": true, "aqui fala": true, "je m appelle": true, "mon nom est": true,
	"mi chiamo": true, "il mio nome e": true, "qui e": true, "mijn naam is": true, "hier is": true, "ik heet": true, "u spreekt met": true,
}

// hereWords follow a name in "Farid Haddad here".
var hereWords = map[string]bool{"here": true, "aqui": true, "hier": true, "ici": true, "speaking": true}

var signOffs = map[string]bool{
	"thanks": true, "thank": true, "regards": true, "cheers": true, "best": true, "sincerely": true, "kind": true, "warm": true,
	"saludos": true, "gracias": true, "atentamente": true, "un": true, "gruss": true, "grusse": true, "danke": true,
	"viele": true, "mfg": true, "obrigado": true, "obrigada": true, "abracos": true, "atenciosamente": true, "cumprimentos": true,
	"cordialement": true, "merci": true, "bien": true, "amities": true, "bonne": true,
	"cordiali": true, "saluti": true, "grazie": true, "distinti": true, "ciao": true, "buona": true,
	"groeten": true, "groet": true, "met": true, "vriendelijke": true, "hartelijke": true, "bedankt": true, "dank": true,
}

func isNameWord(t *token, src string, needCap bool) bool {
	if len(t.fold) < 2 || hasDigit(t.fold) || t.is(fNeg) {
		return false
	}
	if rest := src[t.end:]; len(rest) > 1 && (rest[0] == '-' || rest[0] == '#') && rest[1] >= '0' && rest[1] <= '9' {
		// The prefix of an identifier ("ORD-493307"), not a name.
		return false
	}
	if needCap {
		// A capitalised word after a cue is a name even when it is a
		// function word of another language: "soy Ben Okafor" (Dutch
		// "ben"), "I am Mark Van Dijk".
		r, _ := utf8.DecodeRuneInString(src[t.start:])
		return unicode.IsUpper(r)
	}
	return !t.is(fStop)
}

// nameAfter returns the name of two or three words starting at toks[i],
// as written.
func nameAfter(toks []token, src string, i int, needCap bool) (string, bool) {
	n := 0
	for k := i; k < len(toks) && n < 3; k++ {
		if k > i && toks[k].brk || !isNameWord(&toks[k], src, needCap) {
			break
		}
		n++
	}
	if n < 2 {
		return "", false
	}
	return src[toks[i].start:toks[i+n-1].end], true
}

// clauseEndsAfter reports whether the name, found from toks[i], is the
// last thing in its clause.
func clauseEndsAfter(toks []token, src string, i int, name string) bool {
	end := toks[i].start + len(name)
	for k := i; k < len(toks); k++ {
		if toks[k].start >= end {
			// An identifier may follow the name without a comma:
			// "Maria Gonzalez ORD-493307".
			return toks[k].brk || hasDigit(toks[k].fold) ||
				len(toks[k].fold) <= 3 && k+1 < len(toks) && hasDigit(toks[k+1].fold) && toks[k+1].start == toks[k].end+1
		}
	}
	return true
}

// nameWords ask for a name: "May I have your name?", "¿Su nombre?",
// "Ihr Name?", "votre nom", "il suo nome", "uw naam".
var nameWords = map[string]bool{"name": true, "names": true, "nombre": true, "nome": true, "nom": true, "naam": true, "namen": true,
	// "Who am I speaking with?", "¿Con quién hablo?", "Mit wem spreche ich?"
	"speaking": true, "hablo": true, "spreche": true, "falo": true, "honneur": true, "parlo": true, "spreek": true}

// answeredName returns the name that opens sentence i when it is the
// first of a customer's answer to a representative who asked for a
// name: "grace o'neill, commande ORD-527730", "chen wei. serienummer ...".
func answeredName(c *conversation, i int) (string, bool) {
	s := &c.sents[i]
	if i > 0 && c.sents[i-1].msg == s.msg || s.msg == 0 {
		return "", false
	}
	rep := &c.msgs[s.msg-1]
	if rep.Role != channel.RoleRepresentative {
		return "", false
	}
	asked := false
	for _, t := range tokenize(rep.Text, nil) {
		if nameWords[t.fold] {
			asked = true
			break
		}
	}
	if !asked || len(s.toks) < 2 {
		return "", false
	}
	src := s.text()
	// The name opens the answer, after the preposition of "(it is)
	// under Dana Kowalski" or a "yes, of course," at most.
	starts := []int{0, nextClause(s.toks, 4)}
	if s.toks[0].is(fStop) {
		starts = []int{1, 0, starts[1]}
	}
	for _, at := range starts {
		if at < 0 {
			continue
		}
		// Capitalised words are a name even when they are function
		// words elsewhere ("Ben Okafor", Dutch "ben"); typed in lower
		// case, a name is two or three words that are not.
		name, ok := nameAfter(s.toks, src, at, true)
		if !ok {
			name, ok = nameAfter(s.toks, src, at, false)
		}
		if ok && clauseEndsAfter(s.toks, src, at, name) {
			return name, true
		}
	}
	return "", false
}

// nextClause returns the index of the first token of the second clause
// of toks when it starts within the first n tokens, or -1.
func nextClause(toks []token, n int) int {
	for k := 1; k < len(toks) && k <= n; k++ {
		if toks[k].brk {
			return k
		}
	}
	return -1
}

// nameCandidate is a full name to look up and the words it was read
// from.
type nameCandidate struct{ name, quote string }

// nameCandidatesIn returns the full names the customer gives in a text
// already split into words: "my name is ...", "this is ...", "... here".
// asides are the words said in passing between a name's cue and the
// name: "Ich bin übrigens Noah Fischer", "soy, por cierto, Ana Lima".
var asides = [][]string{
	{"ubrigens"}, {"btw"}, {"trouwens"}, {"alias"}, {"comunque"}, {"by", "the", "way"}, {"por", "cierto"},
	{"au", "fait"}, {"a", "proposito"}, {"d", "ailleurs"}, {"de", "resto"}, {"overigens"}, {"uberigens"},
}

// asideAt returns how many words an aside takes at toks[i], 0 for none.
func asideAt(toks []token, i int) int {
	for _, a := range asides {
		if i+len(a) > len(toks) {
			continue
		}
		ok := true
		for k, w := range a {
			if toks[i+k].fold != w {
				ok = false
				break
			}
		}
		if ok {
			return len(a)
		}
	}
	return 0
}

func nameCandidatesIn(src string, toks []token) []nameCandidate {
	var out []nameCandidate
	// "Bonjour, Farid Haddad.": a greeting and a capitalised full name
	// that is all the sentence says.
	if k := leadingGreeting(toks); k > 0 {
		if name, ok := nameAfter(toks, src, k, true); ok && toks[k].start+len(name) == len(strings.TrimRight(src, " .!")) {
			out = append(out, nameCandidate{name, name})
		}
	}
	for i := range toks {
		for _, cue := range nameCues {
			if i+len(cue) > len(toks) {
				continue
			}
			ok := true
			for k, w := range cue {
				if toks[i+k].fold != w || k > 0 && toks[i+k].brk {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			key := strings.Join(cue, " ")
			if openingCues[key] && i > 0 && !toks[i].brk {
				continue
			}
			at := i + len(cue) + asideAt(toks, i+len(cue))
			name, ok := nameAfter(toks, src, at, !looseCues[key])
			if !ok && looseCues[key] {
				// "My name is Ben Okafor": capitalised, a name even when
				// a word of it is a function word elsewhere (Dutch "ben").
				name, ok = nameAfter(toks, src, at, true)
			}
			if !ok {
				// Typed in lower case ("hola soy farid haddad"): a name
				// only when it ends the clause, so that "i am having
				// trouble with ..." names nobody.
				name, ok = nameAfter(toks, src, at, false)
				ok = ok && clauseEndsAfter(toks, src, at, name)
			}
			if ok {
				out = append(out, nameCandidate{name, name})
			}
		}
		// "Farid Haddad here", "Ben Okafor here" (capitalised, a name
		// though "ben" is a Dutch function word).
		if i >= 2 && hereWords[toks[i].fold] && (i == 2 || toks[i-2].brk) && !toks[i-1].brk {
			if _, ok := nameAfter(toks[:i], src, i-2, false); ok || isNameWord(&toks[i-2], src, true) && isNameWord(&toks[i-1], src, true) {
				name := src[toks[i-2].start:toks[i-1].end]
				out = append(out, nameCandidate{name, name})
			}
		}
		// "Fischer, Noah here": the surname first, as on forms and in
		// directories; looked up as "Noah Fischer".
		if i >= 2 && hereWords[toks[i].fold] && toks[i-1].brk && src[toks[i-2].end] == ',' && (i == 2 || toks[i-2].brk) &&
			isNameWord(&toks[i-2], src, true) && isNameWord(&toks[i-1], src, true) {
			out = append(out, nameCandidate{src[toks[i-1].start:toks[i-1].end] + " " + src[toks[i-2].start:toks[i-2].end], src[toks[i-2].start:toks[i-1].end]})
		}
	}
	return out
}

// leadingGreeting returns the number of greeting words that open toks
// and end their clause ("Bonjour," "Hola buenas,"), 0 for none.
func leadingGreeting(toks []token) int {
	k := 0
	for k < len(toks) && k < 3 && toks[k].is(fSmallTalk) {
		k++
	}
	if k == 0 || k == len(toks) || !toks[k].brk {
		return 0
	}
	return k
}

// signOffName returns the full name on a line of its own at the end of a
// text or at the start of a signature: "Kind regards,\nAna Lima".
func signOffName(src string, fromEnd bool) (string, bool) {
	lines := strings.Split(strings.TrimSpace(src), "\n")
	var check []string
	if fromEnd {
		for k := len(lines) - 1; k >= 0 && k >= len(lines)-3; k-- {
			check = append(check, lines[k])
		}
	} else {
		for k := 0; k < len(lines) && k < 3; k++ {
			check = append(check, lines[k])
		}
	}
	for _, l := range check {
		l = strings.TrimSpace(l)
		if len(l) > 60 || l == "" {
			continue
		}
		toks := tokenize(l, nil)
		if len(toks) < 2 || len(toks) > 3 {
			continue
		}
		if signOffs[toks[0].fold] {
			continue
		}
		all := true
		for k := range toks {
			if !isNameWord(&toks[k], l, true) {
				all = false
				break
			}
		}
		if all && toks[len(toks)-1].end == len(l) || all && strings.TrimRight(l[toks[len(toks)-1].end:], " ,.") == "" {
			return l[toks[0].start:toks[len(toks)-1].end], true
		}
	}
	return "", false
}

// contactCandidates calls yield with the ways to look up the customer,
// strongest first: sender addresses, addresses and phone numbers the
// customer wrote, then full names. It stops when yield returns false.
// Later kinds are only worked out when the earlier ones found no one.
func contactCandidates(c *conversation, req *predict.Request, yield func(contactCandidate) bool) {
	add := func(q predict.ContactQuery, conf float64, msg int, quote string) bool {
		return yield(contactCandidate{q: q, conf: conf, msg: msg, quote: quote})
	}
	for k := len(c.customer) - 1; k >= 0; k-- {
		mi := c.customer[k]
		if m := &c.msgs[mi]; m.From.Email != "" && strings.Contains(m.From.Email, "@") {
			if !add(predict.ContactQuery{Email: m.From.Email}, 0.95, mi, m.From.Email) {
				return
			}
		}
	}
	for k := len(c.customer) - 1; k >= 0; k-- {
		mi := c.customer[k]
		m := &c.msgs[mi]
		for _, loc := range emails(m.Text) {
			a := m.Text[loc[0]:loc[1]]
			if negatedBefore(m.Text, loc[0]) || c.inInstruction(mi, false, loc[0]) {
				continue
			}
			if !add(predict.ContactQuery{Email: a}, 0.9, mi, a) {
				return
			}
		}
	}
	if e := req.Customer.Email; e != "" {
		if !add(predict.ContactQuery{Email: e}, 0.85, -1, "") {
			return
		}
	}
	for k := len(c.customer) - 1; k >= 0; k-- {
		mi := c.customer[k]
		m := &c.msgs[mi]
		for _, p := range phones(m.Text) {
			if at := strings.Index(m.Text, p.raw); at >= 0 && c.inInstruction(mi, false, at) {
				continue
			}
			if !add(predict.ContactQuery{Phone: p.raw}, 0.85, mi, p.raw) {
				return
			}
		}
	}
	if p := req.Customer.Phone; p != "" {
		if !add(predict.ContactQuery{Phone: p}, 0.8, -1, "") {
			return
		}
	}
	for i := len(c.sents) - 1; i >= 0; i-- {
		s := &c.sents[i]
		if s.part != partText || s.instr {
			continue
		}
		if n, ok := answeredName(c, i); ok {
			if !add(predict.ContactQuery{Name: n}, 0.8, s.msg, n) {
				return
			}
		}
		for _, n := range nameCandidatesIn(s.text(), s.toks) {
			if !add(predict.ContactQuery{Name: n.name}, 0.8, s.msg, n.quote) {
				return
			}
		}
	}
	for k := len(c.customer) - 1; k >= 0; k-- {
		mi := c.customer[k]
		m := &c.msgs[mi]
		if m.From.Name != "" && len(strings.Fields(m.From.Name)) >= 2 {
			if !add(predict.ContactQuery{Name: m.From.Name}, 0.75, mi, m.From.Name) {
				return
			}
		}
		if n, ok := signOffName(m.Signature, false); ok {
			if !add(predict.ContactQuery{Name: n}, 0.7, mi, n) {
				return
			}
		}
		if n, ok := signOffName(m.Text, true); ok {
			if !add(predict.ContactQuery{Name: n}, 0.7, mi, n) {
				return
			}
		}
	}
	if n := req.Customer.Name; len(strings.Fields(n)) >= 2 {
		add(predict.ContactQuery{Name: n}, 0.7, -1, "")
	}
}

// predictContact resolves the customer against the directory. It returns
// an error only when the context ends.
func predictContact(ctx context.Context, log *slog.Logger, c *conversation, req *predict.Request) (predict.Prediction, bool, error) {
	if id := req.Customer.ContactID; id != "" {
		return predict.Prediction{Value: id, Confidence: 0.99}, true, nil
	}
	if req.Directory == nil {
		return predict.Prediction{}, false, nil
	}
	asked := map[predict.ContactQuery]bool{}
	queries := 0
	var out predict.Prediction
	ok := false
	var qerr error
	contactCandidates(c, req, func(cand contactCandidate) bool {
		key := predict.ContactQuery{Email: strings.ToLower(cand.q.Email), Phone: cand.q.Phone, Name: strings.ToLower(cand.q.Name)}
		if asked[key] {
			return true
		}
		asked[key] = true
		if queries >= maxDirectoryQueries {
			return false
		}
		queries++
		cs, err := req.Directory.FindContacts(ctx, cand.q)
		if plain := fold(cand.q.Name); err == nil && len(cs) == 0 && cand.q.Email == "" && cand.q.Phone == "" &&
			plain != strings.ToLower(cand.q.Name) && queries < maxDirectoryQueries {
			// "María González" typed, "Maria Gonzalez" on file: the
			// name without its accents.
			queries++
			cs, err = req.Directory.FindContacts(ctx, predict.ContactQuery{Name: plain})
		}
		if err != nil {
			if ctx.Err() != nil {
				qerr = ctx.Err()
				return false
			}
			log.DebugContext(ctx, "heuristic: directory lookup failed", "error", err)
			return true
		}
		id := ""
		ambiguous := false
		for _, ct := range cs {
			if ct.ID == "" {
				continue
			}
			if id != "" && ct.ID != id {
				ambiguous = true
			}
			id = ct.ID
		}
		if id == "" || ambiguous {
			return true
		}
		out = predict.Prediction{Value: id, Confidence: cand.conf}
		if cand.msg >= 0 && cand.quote != "" {
			out.Evidence = []predict.Evidence{{MessageID: c.msgs[cand.msg].ID, Quote: cand.quote}}
		}
		ok = true
		return false
	})
	if qerr != nil {
		return predict.Prediction{}, false, qerr
	}
	return out, ok, nil
}
