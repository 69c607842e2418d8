package agent

import (
	"strings"
	"testing"

	"github.com/caseagent/caseagent/predict/resolve"
)

// The default resolution messages are framed in the customer's language,
// and fall back to English for others.
func TestDefaultTemplatesLocalised(t *testing.T) {
	tests := []struct {
		lang                 string
		hello, solved, case_ string
	}{
		{"en", "Hello {{contact_name}}", "Does this solve your problem?", "(Case {{case_number}})"},
		{"es-ES", "Hola {{contact_name}}", "¿Se ha resuelto tu problema?", "(Caso {{case_number}})"},
		{"de", "Hallo {{contact_name}}", "Ist Ihr Problem damit gelöst?", "(Fall {{case_number}})"},
		{"pt-BR", "Olá {{contact_name}}", "Isto resolve o seu problema?", "(Caso {{case_number}})"},
		{"fr", "Bonjour {{contact_name}}", "Cela résout-il votre problème ?", "(Dossier {{case_number}})"},
		{"it", "Buongiorno {{contact_name}}", "Questo risolve il tuo problema?", "(Pratica {{case_number}})"},
		{"nl", "Hallo {{contact_name}}", "Is je probleem hiermee opgelost?", "(Zaak {{case_number}})"},
		{"ja", "Hello {{contact_name}}", "Does this solve your problem?", "(Case {{case_number}})"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			ask, q, ans := defaultTemplates(tt.lang)
			for _, tpl := range []Template{ask, q, ans} {
				if !strings.HasPrefix(tpl.Body, tt.hello) || !strings.HasSuffix(tpl.Body, tt.case_) {
					t.Errorf("body %q: want it to open with %q and end with %q", tpl.Body, tt.hello, tt.case_)
				}
			}
			if !strings.Contains(ans.Body, tt.solved) || !strings.Contains(ans.Body, "{{citations}}") {
				t.Errorf("answer %q lacks %q or the citations", ans.Body, tt.solved)
			}
		})
	}
	// A tenant's own template wins in every language.
	own := Template{Body: "{{answer}}"}
	if got := (ResolutionMessages{Answer: &own}).answerIn("de"); got.Body != "{{answer}}" {
		t.Errorf("tenant's answer template replaced by %q", got.Body)
	}
	if got := citationText(&resolve.Decision{Links: []resolve.Link{{ArticleID: "a", Title: "T"}}}, "de"); !strings.HasPrefix(got, "Quellen:") {
		t.Errorf("German citations %q", got)
	}
}

// An intent's attributes are named in the customer's language where the
// tenant gave a label or question in it; otherwise as configured.
func TestLocalIntent(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{
  "fields": [{"name": "order_number", "type": "text"}],
  "resolution": {
    "intents": [{"name": "return", "attributes": [{"name": "order_number", "label": "order number"}, {"name": "reason", "question": "Why do you return it?"}],
      "attribute_labels": {"order_number": {"de": "Bestellnummer", "es-ES": "número de pedido"}},
      "attribute_questions": {"reason": {"de": "Warum senden Sie es zurück?"}}}],
    "lines_of_business": [{"name": "all", "automation": "full"}]
  }
}`))
	if err != nil {
		t.Fatal(err)
	}
	a := &Agent{cfg: cfg}
	in := &resolve.Intent{Name: "return", Attributes: cfg.Resolution.Intents[0].Attributes}
	tests := []struct {
		lang                string
		wantLabel, wantQues string
	}{
		{"de", "Bestellnummer", "Warum senden Sie es zurück?"},
		{"es", "número de pedido", "Why do you return it?"},
		{"fr", "order number", "Why do you return it?"},
	}
	for _, tt := range tests {
		got := a.localIntent(in, tt.lang)
		if got.Attributes[0].Label != tt.wantLabel || got.Attributes[1].Question != tt.wantQues {
			t.Errorf("%s: %+v", tt.lang, got.Attributes)
		}
	}
	if in.Attributes[0].Label != "order number" {
		t.Errorf("the configured intent changed: %+v", in.Attributes)
	}
}

// Labels for attributes the intent lacks are configuration errors.
func TestAttributeLabelsValidated(t *testing.T) {
	_, err := ParseConfig([]byte(`{
  "fields": [{"name": "order_number", "type": "text"}],
  "resolution": {
    "intents": [{"name": "return", "attributes": [{"name": "order_number"}],
      "attribute_labels": {"order_nr": {"de": "Bestellnummer"}, "order_number": {"": "x"}}}],
    "lines_of_business": [{"name": "all", "automation": "full"}]
  }
}`))
	if err == nil || !strings.Contains(err.Error(), `"order_nr" is not an attribute`) || !strings.Contains(err.Error(), "a language and a text are both needed") {
		t.Fatalf("err = %v", err)
	}
}
