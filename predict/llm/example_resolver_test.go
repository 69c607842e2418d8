package llm_test

import (
	"context"
	"fmt"

	"github.com/tmc/langchaingo/llms"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/llm"
	"github.com/caseagent/caseagent/predict/resolve"
)

// decisionModel is an llms.Model that answers every call with one call of
// the resolver's tool carrying answer.
type decisionModel struct{ answer string }

func (m decisionModel) GenerateContent(context.Context, []llms.MessageContent, ...llms.CallOption) (*llms.ContentResponse, error) {
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{
		ToolCalls:      []llms.ToolCall{{ID: "1", Type: "function", FunctionCall: &llms.FunctionCall{Name: llm.ResolverToolName, Arguments: m.answer}}},
		GenerationInfo: map[string]any{"PromptTokens": 700, "CompletionTokens": 90, "TotalTokens": 790},
	}}}, nil
}

func (m decisionModel) Call(ctx context.Context, prompt string, opts ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, opts...)
}

// A resolver on a model (here a scripted one, so the example runs
// offline) writes the answer; its second citation quotes words the
// article does not hold, so it is dropped, and the answer stands on the
// first one, for a person to review before it is sent.
func ExampleResolver() {
	model := decisionModel{answer: `{"kind": "resolved",
		"message": "Your thermostat takes two AA batteries: pull the cover off to change them.",
		"citations": [
			{"article_id": "battery", "quote": "The thermostat runs on two AA batteries."},
			{"article_id": "battery", "quote": "Pull the cover and swap them."}],
		"needs_review": false}`}
	r, err := llm.NewResolver(model, llm.WithModelOptions(llm.WithModelName("small-model"),
		llm.WithPrices(map[string]llm.Price{"small-model": {PromptPer1K: 0.15, CompletionPer1K: 0.6}})))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	ix, _ := knowledge.NewIndex([]knowledge.Article{{ID: "battery", Title: "Replace the thermostat batteries", Language: "en",
		URL: "https://help.example.com/battery", Body: "The thermostat runs on two AA batteries.\n\nPull the cover off to change them."}})
	text := "Which batteries does my thermostat take?"
	hits, _ := ix.Retrieve(ctx, knowledge.Query{Text: text, Language: "en"})
	req := &resolve.Request{Intent: &resolve.Intent{Name: "batteries"}, Language: "en", Hits: hits,
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: text}}}

	res, err := r.ResolveDetailed(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	d := res.Decision
	fmt.Println(d.Kind, d.Citations[0].Quote, d.Links[0].URL, "review:", d.NeedsReview)
	fmt.Println("dropped:", res.Drops[0].Quote)
	fmt.Printf("%s: %d call, %d tokens, cost %.4f\n", res.Model, res.Usage.Calls, res.Usage.TotalTokens, res.Usage.Cost)
	// Output:
	// resolved The thermostat runs on two AA batteries. https://help.example.com/battery review: true
	// dropped: Pull the cover and swap them.
	// llm:small-model: 1 call, 790 tokens, cost 0.1590
}
