package textfold

import "testing"

func TestPlain(t *testing.T) {
	for in, want := range map[string]string{
		"José Müller-Straße": "jose muller-strasse",
		"JOÃO  GONÇALVES":    "joao  goncalves",
		"Cœur ÆØÅ":           "coeur aeoa",
		"plain ascii":        "plain ascii",
	} {
		if got := Plain(in); got != want {
			t.Errorf("Plain(%q) = %q, want %q", in, got, want)
		}
	}
}
