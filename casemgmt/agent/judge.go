package agent

import (
	"context"
	"strings"
	"unicode"

	"github.com/caseagent/caseagent/channel"
)

// DefaultReplyJudge returns the judge the agent uses unless told
// otherwise. It reads common phrases in English, Spanish, German,
// Portuguese, French, Italian and Dutch, with or without accents:
//
//   - a phrase saying the problem remains ("still not working", "sigue
//     sin funcionar", "funktioniert immer noch nicht", "nothing changed")
//     wins over one saying it is solved ("the reset fixed it for a day,
//     but it keeps dropping");
//   - a phrase saying it is solved ("works again", "läuft wieder", "ya
//     funciona", "het is gelukt", "you can close the case") counts unless
//     a negation stands next to it ("not solved", "nicht gelöst", "ne
//     marche pas", "werkt niet"), which makes it unresolved;
//   - anything else (a question, a new detail) is neutral.
//
// It is safe for concurrent use.
func DefaultReplyJudge() ReplyJudge { return defaultJudge{} }

// defaultJudge reads a reply's new text for the phrases below.
type defaultJudge struct{}

func (defaultJudge) Judge(_ context.Context, m *channel.Message) (Verdict, error) {
	if isReplySubject(m.Subject) {
		// "Re: Internet keeps dropping" repeats the problem, not the
		// verdict on it.
		return judgeText(m.Text), nil
	}
	return judgeText(m.Subject + ". " + m.Text), nil
}

// isReplySubject reports whether a subject starts with a reply prefix
// (Re:, AW:, Antw:, SV:, RV:, RES:, R:).
func isReplySubject(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"re:", "aw:", "antw:", "sv:", "rv:", "res:", "r:", "ref:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// judgeText is the default judge's verdict on a text.
func judgeText(s string) Verdict {
	text := " " + judgeFold(s) + " "
	for _, p := range judgeUnresolved {
		if strings.Contains(text, " "+p) {
			return VerdictUnresolved
		}
	}
	solved := false
	for _, p := range judgeResolved {
		for from := 0; ; {
			i := strings.Index(text[from:], " "+p)
			if i < 0 {
				break
			}
			i += from
			if negated(text[:i], text[i+1+len(p):]) {
				return VerdictUnresolved
			}
			solved = true
			from = i + 1
		}
	}
	if solved {
		return VerdictResolved
	}
	return VerdictNeutral
}

// negated reports whether a negation stands in the three words before a
// phrase, or (in the languages that put it after the verb) in the two
// right after it, within the same clause.
func negated(before, after string) bool {
	if i := strings.LastIndexByte(before, '|'); i >= 0 {
		before = before[i+1:]
	}
	if i := strings.IndexByte(after, '|'); i >= 0 {
		after = after[:i]
	}
	bw := strings.Fields(before)
	for k := max(0, len(bw)-3); k < len(bw); k++ {
		if negBefore[bw[k]] {
			return true
		}
	}
	aw := strings.Fields(after)
	for k := 0; k < min(2, len(aw)); k++ {
		if negAfter[aw[k]] {
			return true
		}
	}
	return false
}

// judgeFold lowers s, strips accents, marks the end of a clause (a
// punctuation mark) with "|", and makes every run of space one space;
// apostrophes stay ("doesn't", "n'a").
func judgeFold(s string) string {
	s = accentFolder.Replace(strings.ToLower(strings.ReplaceAll(s, "’", "'")))
	var b strings.Builder
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' {
			b.WriteRune(r)
			space = false
			continue
		}
		if strings.ContainsRune(",.;:!?¡¿()", r) {
			// A clause ends: negations do not reach across it.
			b.WriteString(" | ")
			space = true
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

var accentFolder = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u",
	"ç", "c", "ñ", "n", "ß", "ss",
)

func foldAll(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = judgeFold(p)
	}
	return out
}

// Negations that turn a "solved" phrase around.
var (
	negBefore = map[string]bool{
		"not": true, "no": true, "never": true, "isn't": true, "wasn't": true, "doesn't": true, "didn't": true,
		"hasn't": true, "haven't": true, "hasnt": true, "doesnt": true, "didnt": true, "isnt": true, "cannot": true, "can't": true,
		"nicht": true, "kein": true, "keine": true, "nie": true, "ne": true, "n'a": true, "n'est": true, "pas": true,
		"nao": true, "non": true, "niet": true, "geen": true, "nunca": true, "jamais": true, "nada": true,
	}
	negAfter = map[string]bool{"nicht": true, "niet": true, "pas": true, "not": true}
)

// The phrases, in the order of the languages above. A phrase matches at
// the start of a word, so "still doesn" covers "still doesn't".
var (
	judgeUnresolved = foldAll([]string{
		// English
		"still not", "still doesn", "still isn", "still the same", "still happening", "still broken", "still dropping",
		"still won", "still can", "still have the", "not working", "doesn't work", "does not work",
		"didn't work", "did not work", "didn't help", "did not help", "no change", "nothing changed", "nothing has changed",
		"same problem", "same issue", "happened again", "came back", "back again", "again today", "persist",
		"dropped again", "drops again", "dropping again", "down again", "failed again", "fails again", "stopped working",
		"no longer work", "keeps dropping", "keeps failing", "keeps rebooting", "is still", "are still", "didn't fix",
		"did not fix", "didn't solve", "did not solve", "hasn't fixed", "has not fixed",
		// Spanish
		"todavía no", "aún no", "sigue sin", "sigue igual", "sigue fallando", "sigue el problema", "no funciona",
		"no ha funcionado", "no se ha resuelto", "mismo problema", "no ha cambiado", "no cambió", "nada ha cambiado",
		"nada cambió", "persiste", "se corta otra vez", "se cae otra vez", "otra vez sin", "de nuevo sin",
		// German
		"immer noch", "noch immer", "nach wie vor", "weiterhin", "funktioniert nicht", "geht nicht", "läuft nicht",
		"klappt nicht", "nicht gelöst", "nicht behoben", "hat nicht geholfen", "gleiche problem", "selbe problem",
		"nicht funktioniert", "nicht geklappt", "nicht geholfen", "nichts geändert", "nichts hat sich geändert", "keine änderung", "keine veränderung", "schon wieder",
		// Portuguese
		"ainda não", "ainda sem", "continua sem", "continua com", "continua a não", "continua não", "não funciona",
		"não funcionou", "mesmo problema", "não resolveu", "nada mudou", "não mudou", "não resultou", "persiste",
		// French
		"toujours pas", "toujours le même", "ne marche pas", "ne fonctionne pas", "ne fonctionne toujours",
		"pas résolu", "même problème", "n'a pas marché", "n'a pas fonctionné", "rien n'a changé", "rien changé",
		"persiste", "de nouveau coupé", "pas mieux", "ne va pas", "est encore", "est toujours",
		// Italian
		"non funziona", "ancora non", "ancora niente", "ancora nessun", "non ancora", "non va", "non è cambiato",
		"niente è cambiato", "non è cambiato nulla", "è ancora", "stesso problema", "non ha funzionato", "non è risolto", "persiste",
		// Dutch
		"nog steeds", "nog altijd", "werkt niet", "lukt niet",
		"niets veranderd", "niet veranderd", "blijft bestaan", "hetzelfde probleem", "niet opgelost", "helpt niet",
	})
	judgeResolved = foldAll([]string{
		// English
		"fixed", "solved", "resolved", "sorted", "works now", "working now", "works again", "working again",
		"work again", "works fine", "working fine", "works perfectly", "everything works", "is back", "are back",
		"back to normal", "that did it", "did the trick", "that worked", "it worked", "all good", "all fine",
		"disappeared", "problem is gone", "issue is gone", "you can close", "please close", "close this",
		"close the case", "close the ticket", "no longer need", "don't need help", "do not need help", "got it working",
		// Spanish
		"ya funciona", "funciona de nuevo", "funciona otra vez", "vuelve a funcionar", "volvió a funcionar",
		"funciona bien", "funciona perfectamente", "funciona correctamente", "va bien", "todo bien", "ya tengo", "ha vuelto", "ha desaparecido",
		"solucionado", "resuelto", "arreglado", "pueden cerrar", "puede cerrar", "podéis cerrar", "puedes cerrar",
		// German
		"funktioniert wieder", "funktioniert jetzt", "funktioniert einwandfrei", "klappt wieder", "klappt jetzt",
		"hat geklappt", "hat funktioniert", "läuft wieder", "läuft alles", "läuft jetzt", "geht wieder", "wieder da",
		"einwandfrei", "in ordnung", "verschwunden", "gelöst", "behoben", "erledigt", "schließen",
		// Portuguese
		"já funciona", "funciona bem", "funcionou", "voltou", "deu certo", "desapareceu", "resolvido", "resolveu",
		"tudo bem", "podem fechar", "pode fechar", "podem encerrar", "pode encerrar",
		// French
		"ça marche", "a marché", "marche bien", "fonctionne bien", "fonctionne à nouveau", "fonctionne de nouveau",
		"tout fonctionne", "tout marche", "marche maintenant", "fonctionne maintenant", "c'est bon", "est revenue", "est revenu", "a disparu", "résolu", "réglé", "en ordre", "pouvez fermer",
		"pouvez clôturer",
		// Italian
		"adesso funziona", "ora funziona", "funziona adesso", "funziona ora", "funziona di nuovo", "funziona tutto", "funziona bene", "ha funzionato", "è tornata", "è tornato", "risolto",
		"sparito", "scomparso", "tutto a posto", "potete chiudere", "può chiudere",
		// Dutch
		"werkt nu", "werkt weer", "werkt alles", "werkt prima", "werkt goed", "is terug", "gelukt", "verdwenen", "opgelost",
		"in orde", "mogen sluiten", "kunnen sluiten", "mag sluiten",
	})
)
