package agent

import (
	"fmt"
	"strings"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

// messageTexts are the sentences that frame resolution's default
// messages, in one language.
type messageTexts struct {
	Hello, AskMore, Sources, Solved, Case string
}

// defaultMessageTexts are the frames of the default messages in the seven
// languages the default resolver writes; other languages get English.
var defaultMessageTexts = map[string]messageTexts{
	"en": {Hello: "Hello", AskMore: "Thank you for your message. Could you tell us a little more about what you need, so that we can help you?",
		Sources: "Sources:", Solved: "Does this solve your problem? Just reply to this email.", Case: "Case"},
	"es": {Hello: "Hola", AskMore: "Gracias por tu mensaje. ¿Podrías contarnos un poco más sobre lo que necesitas, para que podamos ayudarte?",
		Sources: "Fuentes:", Solved: "¿Se ha resuelto tu problema? Solo tienes que responder a este correo.", Case: "Caso"},
	"de": {Hello: "Hallo", AskMore: "Vielen Dank für Ihre Nachricht. Könnten Sie uns etwas genauer sagen, was Sie brauchen, damit wir Ihnen helfen können?",
		Sources: "Quellen:", Solved: "Ist Ihr Problem damit gelöst? Antworten Sie einfach auf diese E-Mail.", Case: "Fall"},
	"pt": {Hello: "Olá", AskMore: "Obrigado pela sua mensagem. Pode dizer-nos um pouco mais sobre o que precisa, para que possamos ajudar?",
		Sources: "Fontes:", Solved: "Isto resolve o seu problema? Basta responder a este email.", Case: "Caso"},
	"fr": {Hello: "Bonjour", AskMore: "Merci pour votre message. Pourriez-vous nous en dire un peu plus sur ce dont vous avez besoin, afin que nous puissions vous aider ?",
		Sources: "Sources :", Solved: "Cela résout-il votre problème ? Il suffit de répondre à cet e-mail.", Case: "Dossier"},
	"it": {Hello: "Buongiorno", AskMore: "Grazie per il tuo messaggio. Potresti dirci qualcosa in più su ciò di cui hai bisogno, così da poterti aiutare?",
		Sources: "Fonti:", Solved: "Questo risolve il tuo problema? Basta rispondere a questa email.", Case: "Pratica"},
	"nl": {Hello: "Hallo", AskMore: "Bedankt voor je bericht. Kun je ons iets meer vertellen over wat je nodig hebt, zodat we je kunnen helpen?",
		Sources: "Bronnen:", Solved: "Is je probleem hiermee opgelost? Beantwoord gewoon deze e-mail.", Case: "Zaak"},
}

func textsIn(lang string) messageTexts {
	if t, ok := defaultMessageTexts[knowledge.BaseLanguage(lang)]; ok {
		return t
	}
	return defaultMessageTexts["en"]
}

// defaultTemplates are the default resolution messages in a language.
func defaultTemplates(lang string) (askMore, question, answer Template) {
	t := textsIn(lang)
	subject := "Re: {{subject}} [{{case_number}}]"
	hello := t.Hello + " {{contact_name}},\n\n"
	foot := "\n\n(" + t.Case + " {{case_number}})"
	return Template{Subject: subject, Body: hello + t.AskMore + foot},
		Template{Subject: subject, Body: hello + "{{questions}}" + foot},
		Template{Subject: subject, Body: hello + "{{answer}}\n\n{{citations}}\n\n" + t.Solved + foot}
}

// The messages in the customer's language: the tenant's own templates
// when set, the defaults in lang otherwise.
func (m ResolutionMessages) askMoreIn(lang string) Template {
	a, _, _ := defaultTemplates(lang)
	return orDefault(m.AskMore, a)
}

func (m ResolutionMessages) questionIn(lang string) Template {
	_, q, _ := defaultTemplates(lang)
	return orDefault(m.Question, q)
}

func (m ResolutionMessages) answerIn(lang string) Template {
	_, _, a := defaultTemplates(lang)
	return orDefault(m.Answer, a)
}

// language is the customer's language for resolution: the case's
// "language" field when set, else the one the customer's words are in.
func (r *run) language(c *casemgmt.Case) string {
	if lang, _ := c.Fields["language"].(string); lang != "" {
		return lang
	}
	return knowledge.GuessLanguage(resolve.CustomerText(r.resolutionMessages(c)))
}

// localIntent is intent with its attributes named in lang, where the
// tenant gave labels or questions in that language (IntentRule's
// AttributeLabels and AttributeQuestions): a label in the language
// replaces a question in another, so that the question is asked in the
// customer's language.
func (a *Agent) localIntent(intent *resolve.Intent, lang string) *resolve.Intent {
	var rule *IntentRule
	for i := range a.cfg.Resolution.Intents {
		if a.cfg.Resolution.Intents[i].Name == intent.Name {
			rule = &a.cfg.Resolution.Intents[i]
			break
		}
	}
	if rule == nil || (len(rule.AttributeLabels) == 0 && len(rule.AttributeQuestions) == 0) {
		return intent
	}
	base := knowledge.BaseLanguage(lang)
	cp := *intent
	cp.Attributes = append([]resolve.Attribute(nil), intent.Attributes...)
	for i, at := range cp.Attributes {
		if l := inLanguage(rule.AttributeLabels[at.Name], base); l != "" {
			cp.Attributes[i].Label, cp.Attributes[i].Question = l, ""
		}
		if q := inLanguage(rule.AttributeQuestions[at.Name], base); q != "" {
			cp.Attributes[i].Question = q
		}
	}
	return &cp
}

// inLanguage is the text of byLang in base language base.
func inLanguage(byLang map[string]string, base string) string {
	for tag, s := range byLang {
		if knowledge.BaseLanguage(tag) == base {
			return s
		}
	}
	return ""
}

// validateLabels reports labels and questions of attributes the intent
// does not have, or with no language.
func validateLabels(ps *problems, at string, in IntentRule) {
	attrs := map[string]bool{}
	for _, a := range in.Attributes {
		attrs[a.Name] = true
	}
	for key, m := range map[string]map[string]map[string]string{"attribute_labels": in.AttributeLabels, "attribute_questions": in.AttributeQuestions} {
		for name, byLang := range m {
			if !attrs[name] {
				ps.add(at+"."+key, fmt.Sprintf("%q is not an attribute of the intent", truncate(name, 80)))
				continue
			}
			for tag, s := range byLang {
				if strings.TrimSpace(tag) == "" || strings.TrimSpace(s) == "" {
					ps.add(at+"."+key+"."+name, "a language and a text are both needed")
				}
			}
		}
	}
}
