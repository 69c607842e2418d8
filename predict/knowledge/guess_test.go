package knowledge_test

import (
	"testing"

	"github.com/caseagent/caseagent/predict/knowledge"
)

func TestGuessLanguage(t *testing.T) {
	for text, want := range map[string]string{
		"My camera does not start since this morning, and the light is off.":       "en",
		"Mi cámara no enciende desde esta mañana y la luz está apagada.":           "es",
		"Meine Kamera startet seit heute Morgen nicht mehr und das Licht ist aus.": "de",
		"A minha câmara não liga desde esta manhã e a luz está apagada.":           "pt",
		"Ma caméra ne démarre plus depuis ce matin et la lumière est éteinte.":     "fr",
		"La mia telecamera non si accende da stamattina e la luce è spenta.":       "it",
		"Mijn camera start sinds vanochtend niet meer en het lampje is uit.":       "nl",
		"SN-4K2P9Q7Z": "",
		"":            "",
		"ok thanks":   "",
	} {
		if got := knowledge.GuessLanguage(text); got != want {
			t.Errorf("GuessLanguage(%q) = %q, want %q", text, got, want)
		}
	}
}
