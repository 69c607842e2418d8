package llm

import (
	"github.com/tmc/langchaingo/llms"

	"github.com/caseagent/caseagent/predict"
)

// Chat formats wrap every message in a few tokens of their own, and prime
// the answer with a few more (OpenAI documents 3 and 3); the counts below
// add them where the provider reports no usage.
const (
	tokensPerMessage = 3
	tokensPerReply   = 3
)

// measured fills in the token counts of a call whose provider reported
// none (some OpenAI-compatible servers, streaming proxies), by counting
// what was sent and received with the configured counter: the messages,
// the tool definition in tool mode, and the answer's text or tool
// arguments.
func (p *Predictor) measured(u predict.Usage, pr *prompt, msgs []llms.MessageContent, resp *llms.ContentResponse) predict.Usage {
	if u.PromptTokens > 0 || u.CompletionTokens > 0 {
		return u
	}
	u.PromptTokens = p.sentTokens(pr, msgs)
	if resp != nil {
		for _, c := range resp.Choices {
			if c == nil {
				continue
			}
			n := p.cfg.count(c.Content)
			for _, tc := range c.ToolCalls {
				if tc.FunctionCall != nil {
					n += p.cfg.count(tc.FunctionCall.Name) + p.cfg.count(tc.FunctionCall.Arguments)
				}
			}
			if len(c.ToolCalls) == 0 && c.FuncCall != nil {
				n += p.cfg.count(c.FuncCall.Name) + p.cfg.count(c.FuncCall.Arguments)
			}
			// Providers repeat one answer across choices; count it once.
			u.CompletionTokens = max(u.CompletionTokens, n)
		}
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}

// sentTokens counts a call's prompt: its messages and, in tool mode, the
// tool definition.
func (p *Predictor) sentTokens(pr *prompt, msgs []llms.MessageContent) int {
	n := tokensPerReply
	for _, m := range msgs {
		n += tokensPerMessage
		for _, part := range m.Parts {
			if t, ok := part.(llms.TextContent); ok {
				n += p.cfg.count(t.Text)
			}
		}
	}
	if p.cfg.mode == ModeTool {
		n += p.cfg.count(ToolName) + p.cfg.count(toolDescription) + p.cfg.count(string(pr.schema))
	}
	return n
}
