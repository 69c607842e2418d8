package heuristic

import (
	"context"
	"flag"
	"testing"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
)

var updateIntent = flag.Bool("update-intent", false, "retrain intent.model from the own and blocked stories")

// intentExamples returns the customer text of every story in dirs that
// expects a category, labelled with the concept the category's label
// names.
func intentExamples(t *testing.T, dirs ...string) []textclass.Example {
	t.Helper()
	stories := storiesByName(t, dirs...)
	p := newPredictor(t)
	fields := storiesTenantFields(t, "category")
	cf := p.compiled(&fields[0]).choice
	var out []textclass.Example
	for _, sc := range stories {
		msgs, want, err := sc.Labelled()
		if err != nil {
			t.Fatal(err)
		}
		label := ""
		for _, o := range cf.opts {
			if o.value == want["category"] {
				label = o.labelKey
			}
		}
		if label == "" || len(msgs) == 0 {
			continue
		}
		c := analyze(p.lx, msgs, nil)
		if text := c.customerText(); text != "" {
			out = append(out, textclass.Example{Text: text, Label: label})
		}
	}
	return out
}

// TestIntentModel checks that the embedded intent model is the one the
// own and blocked stories train, so that it can be rebuilt:
//
//	go test ./predict/heuristic -run TestIntentModel -update-intent
func TestIntentModel(t *testing.T) {
	checkEmbeddedModel(t, embeddedModelCheck{
		examples: intentExamples, least: 1000, file: "intent.model", embedded: intentModelFile,
		update: *updateIntent, flag: "-update-intent",
	})
}

// fixedIntent reads every text as the same kinds.
type fixedIntent []textclass.Score

func (f fixedIntent) Scores(string) []textclass.Score { return f }

// TestIntentClassifierOption checks that the intent classifier decides
// between the options the customer's words speak for, promotes none they
// do not, and that nil turns it off.
func TestIntentClassifierOption(t *testing.T) {
	fields := storiesTenantFields(t, "category")
	msgs := chat("Can the guest Wi-Fi turn itself off at night on a schedule?")
	category := func(opts ...Option) any {
		t.Helper()
		res, err := newPredictor(t, opts...).Predict(context.Background(), &predict.Request{Fields: fields, Messages: msgs})
		if err != nil {
			t.Fatal(err)
		}
		return res.Predictions["category"].Value
	}
	if got := category(WithIntentClassifier(nil)); got != "How-to" {
		t.Fatalf("without the intent classifier: %v, want How-to", got)
	}
	fault := fixedIntent{{Label: "#malfunction", Probability: 0.95}, {Label: "#howto", Probability: 0.03}, {Label: "#feature", Probability: 0.02}}
	if got := category(WithIntentClassifier(fault)); got != "Product defect" {
		t.Errorf("read as a fault: %v, want Product defect (the words speak for it too)", got)
	}
	billing := fixedIntent{{Label: "#charge", Probability: 0.95}, {Label: "#howto", Probability: 0.03}, {Label: "#feature", Probability: 0.02}}
	if got := category(WithIntentClassifier(billing)); got != "How-to" {
		t.Errorf("read as billing, which no word speaks for: %v, want How-to", got)
	}
}

// TestIntentModelReads checks that the embedded model reads plain
// requests of four kinds in the seven languages, none of them a story's.
func TestIntentModelReads(t *testing.T) {
	cases := map[string][]string{
		"#feature": {
			"It would be great if the app could show the battery level of each sensor.",
			"Sería genial que la app mostrara el nivel de batería de cada sensor.",
			"Es wäre toll, wenn die App den Akkustand jedes Sensors anzeigen könnte.",
			"Seria ótimo se a app mostrasse o nível de bateria de cada sensor.",
			"Ce serait bien que l'appli affiche le niveau de batterie de chaque capteur.",
			"Sarebbe bello se l'app mostrasse il livello della batteria di ogni sensore.",
			"Het zou fijn zijn als de app het batterijniveau van elke sensor liet zien.",
		},
		"#delivery": {
			"My parcel was supposed to arrive on Monday and the tracking has not moved since.",
			"Mi paquete tenía que llegar el lunes y el seguimiento no se ha movido desde entonces.",
			"Mein Paket sollte am Montag kommen, die Sendungsverfolgung steht seitdem still.",
			"A minha encomenda devia chegar na segunda e o rastreio não mexe desde então.",
			"Mon colis devait arriver lundi et le suivi n'a pas bougé depuis.",
			"Il mio pacco doveva arrivare lunedì e il tracciamento è fermo da allora.",
			"Mijn pakket zou maandag komen en de track-and-trace staat sindsdien stil.",
		},
		"#malfunction": {
			"Since yesterday the router restarts every few minutes and the internet drops.",
			"Desde ayer el router se reinicia cada pocos minutos y se cae internet.",
			"Seit gestern startet der Router alle paar Minuten neu und das Internet fällt aus.",
			"Desde ontem o router reinicia a cada poucos minutos e a internet cai.",
			"Depuis hier le routeur redémarre toutes les quelques minutes et internet coupe.",
			"Da ieri il router si riavvia ogni pochi minuti e internet cade.",
			"Sinds gisteren herstart de router om de paar minuten en valt het internet weg.",
		},
		"#account": {
			"I can't log in to my account, the app says my password is wrong even after a reset.",
			"No puedo entrar en mi cuenta, la app dice que la contraseña es incorrecta aunque la cambié.",
			"Ich komme nicht in mein Konto, die App sagt, das Passwort sei falsch, obwohl ich es zurückgesetzt habe.",
			"Não consigo entrar na minha conta, a app diz que a senha está errada mesmo depois de a redefinir.",
			"Je n'arrive pas à me connecter à mon compte, l'appli dit que le mot de passe est faux même après l'avoir réinitialisé.",
			"Non riesco ad accedere al mio account, l'app dice che la password è sbagliata anche dopo averla reimpostata.",
			"Ik kan niet inloggen op mijn account, de app zegt dat mijn wachtwoord fout is, ook na een reset.",
		},
	}
	m := intentModel()
	wrong := 0
	for want, texts := range cases {
		for _, text := range texts {
			if got := m.Scores(text); len(got) == 0 || got[0].Label != want {
				t.Logf("%q: read as %v, want %s", text, got[:min(2, len(got))], want)
				wrong++
			}
		}
	}
	if wrong > 2 {
		t.Errorf("%d of 28 requests read as another kind, want at most 2", wrong)
	}
}
