package resolve

import (
	"fmt"
	"strings"

	"github.com/caseagent/caseagent/predict/knowledge"
)

// Texts are the sentences the default resolver writes its messages with,
// in one language.
type Texts struct {
	// AskOne and AskMany open a question for one or several attributes.
	AskOne, AskMany string
	// AskFor asks for an attribute that has no Question of its own; %s is
	// its label.
	AskFor string
	// Answer opens an answer; ReadMore introduces an article's link; Close
	// ends the answer.
	Answer, ReadMore, Close string
}

// DefaultTexts are the built-in texts, by base language.
func DefaultTexts() map[string]Texts {
	return map[string]Texts{
		"en": {AskOne: "To help you, we need one more detail:", AskMany: "To help you, we need a few more details:",
			AskFor: "What is your %s?", Answer: "Here is what our help articles say about this:",
			ReadMore: "Read more:", Close: "If this does not solve the problem, reply to this message and a member of our team will take over."},
		"es": {AskOne: "Para ayudarte necesitamos un dato más:", AskMany: "Para ayudarte necesitamos algunos datos más:",
			AskFor: "¿Cuál es tu %s?", Answer: "Esto es lo que dicen nuestros artículos de ayuda:",
			ReadMore: "Más información:", Close: "Si esto no resuelve el problema, responde a este mensaje y una persona de nuestro equipo se encargará."},
		"de": {AskOne: "Damit wir Ihnen helfen können, brauchen wir noch eine Angabe:", AskMany: "Damit wir Ihnen helfen können, brauchen wir noch einige Angaben:",
			AskFor: "Bitte nennen Sie uns: %s.", Answer: "Das steht in unseren Hilfeartikeln dazu:",
			ReadMore: "Mehr dazu:", Close: "Falls das Problem damit nicht gelöst ist, antworten Sie auf diese Nachricht, und jemand aus unserem Team übernimmt."},
		"pt": {AskOne: "Para ajudar, precisamos de mais uma informação:", AskMany: "Para ajudar, precisamos de mais algumas informações:",
			AskFor: "Qual é o seu %s?", Answer: "Veja o que dizem os nossos artigos de ajuda:",
			ReadMore: "Saiba mais:", Close: "Se isso não resolver o problema, responda a esta mensagem e uma pessoa da nossa equipe vai assumir."},
		"fr": {AskOne: "Pour vous aider, il nous manque une information :", AskMany: "Pour vous aider, il nous manque quelques informations :",
			AskFor: "Quel est votre %s ?", Answer: "Voici ce qu'en disent nos articles d'aide :",
			ReadMore: "En savoir plus :", Close: "Si cela ne résout pas le problème, répondez à ce message et une personne de notre équipe prendra le relais."},
		"it": {AskOne: "Per aiutarti ci serve ancora un'informazione:", AskMany: "Per aiutarti ci servono ancora alcune informazioni:",
			AskFor: "Qual è il tuo %s?", Answer: "Ecco cosa dicono i nostri articoli di assistenza:",
			ReadMore: "Per saperne di più:", Close: "Se questo non risolve il problema, rispondi a questo messaggio e una persona del nostro team se ne occuperà."},
		"nl": {AskOne: "Om je te helpen hebben we nog één gegeven nodig:", AskMany: "Om je te helpen hebben we nog een paar gegevens nodig:",
			AskFor: "Wat is je %s?", Answer: "Dit staat er in onze hulpartikelen over:",
			ReadMore: "Meer lezen:", Close: "Lost dit het probleem niet op, beantwoord dan dit bericht en iemand van ons team neemt het over."},
	}
}

// check reports a text that is missing or whose AskFor does not take one
// label.
func (t Texts) check(lang string) error {
	for name, s := range map[string]string{"AskOne": t.AskOne, "AskMany": t.AskMany, "AskFor": t.AskFor,
		"Answer": t.Answer, "ReadMore": t.ReadMore, "Close": t.Close} {
		if s == "" {
			return fmt.Errorf("resolve: texts of %q: %s is empty", lang, name)
		}
	}
	if strings.Count(strings.ReplaceAll(t.AskFor, "%%", ""), "%") != 1 || !strings.Contains(t.AskFor, "%s") {
		return fmt.Errorf("resolve: texts of %q: AskFor %q must hold one %%s for the label", lang, t.AskFor)
	}
	return nil
}

func textsFor(all map[string]Texts, lang string) Texts {
	if t, ok := all[knowledge.BaseLanguage(lang)]; ok {
		return t
	}
	return all["en"]
}
