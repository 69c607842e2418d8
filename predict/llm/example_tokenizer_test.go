package llm_test

import (
	"fmt"

	"github.com/caseagent/caseagent/predict/llm"
)

// A Tokenizer counts tokens offline, as OpenAI's models do; passed to
// WithTokenCounter it measures prompts for the conversation's budget,
// for EstimateUsage, and for usage when the provider reports none.
func ExampleNewTokenizer() {
	tok, err := llm.NewTokenizer(llm.EncodingCL100K)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Count("tiktoken is great!"))
	p, err := llm.New(&scripted{}, llm.WithTokenCounter(tok.Count))
	fmt.Println(p != nil, err)
	// Output:
	// 6
	// true <nil>
}
