package heuristic

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugTerms(t *testing.T) {
	text := os.Getenv("HEUR_TERMS")
	if text == "" {
		t.Skip()
	}
	toks := tokenize(text, nil)
	lx := defaultLexicon()
	for i := 0; i < len(toks); {
		e, end := lx.matchAt(toks, i)
		if e != nil {
			fmt.Printf("%d-%d %v %v\n", i, end, e.concepts, e.words)
			i = end
			continue
		}
		i++
	}
	fmt.Println(lx.terms(toks, nil))
}
