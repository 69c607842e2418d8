package llm

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/caseagent/caseagent/predict"
	"github.com/tmc/langchaingo/llms"
)

// DefaultMaxAnswerBytes is the largest answer read from a model: ample
// for the values, confidences and quotes of dozens of fields.
const DefaultMaxAnswerBytes = 64 << 10

// extract finds the answer in a model response, wherever the provider put
// it: a call of our tool in any choice (Anthropic gives every content
// block its own choice, so a text block often comes first), any other
// tool call, a legacy function call, or JSON in the text of a choice,
// fenced in ```json or bare.
func extract(resp *llms.ContentResponse, maxBytes int) (string, error) {
	if resp == nil || len(resp.Choices) == 0 {
		return "", ErrEmptyAnswer
	}
	var found string
	pick := func(s string) bool {
		if strings.TrimSpace(s) == "" {
			return false
		}
		found = s
		return true
	}
	done := false
	for _, want := range []bool{true, false} {
		for _, c := range resp.Choices {
			if c == nil {
				continue
			}
			for _, tc := range c.ToolCalls {
				if tc.FunctionCall != nil && (!want || tc.FunctionCall.Name == ToolName) && pick(tc.FunctionCall.Arguments) {
					done = true
					break
				}
			}
			if !done && c.FuncCall != nil && (!want || c.FuncCall.Name == ToolName) && pick(c.FuncCall.Arguments) {
				done = true
			}
			if done {
				break
			}
		}
		if done {
			break
		}
	}
	if !done {
		for _, c := range resp.Choices {
			if c == nil {
				continue
			}
			if len(c.Content) > maxBytes {
				return "", fmt.Errorf("%w: %d bytes of text, more than %d", ErrTooLarge, len(c.Content), maxBytes)
			}
			if s, ok := jsonInText(c.Content); ok && pick(s) {
				done = true
				break
			}
		}
	}
	if !done {
		return "", fmt.Errorf("%w: no tool call and no JSON object in the answer", ErrInvalidAnswer)
	}
	if len(found) > maxBytes {
		return "", fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(found), maxBytes)
	}
	return found, nil
}

// jsonInText finds a JSON object in text: the first ``` fenced block
// that holds one, or else the first balanced {...}.
func jsonInText(text string) (string, bool) {
	rest := text
	for {
		i := strings.Index(rest, "```")
		if i < 0 {
			break
		}
		body := rest[i+3:]
		j := strings.Index(body, "```")
		if j < 0 {
			break
		}
		block := body[:j]
		// Drop the info string (json, JSON, javascript...).
		if nl := strings.IndexByte(block, '\n'); nl >= 0 && !strings.Contains(block[:nl], "{") {
			block = block[nl+1:]
		}
		if s, ok := balanced(block); ok {
			return s, true
		}
		rest = body[j+3:]
	}
	return balanced(text)
}

// maxStarts bounds the places balanced tries, so that hostile text full
// of braces costs linear time.
const maxStarts = 8

// balanced returns the first balanced {...} of s that is valid JSON,
// strings respected.
func balanced(s string) (string, bool) {
	start := strings.IndexByte(s, '{')
	for tries := 0; start >= 0 && tries < maxStarts; tries++ {
		depth, inStr, esc := 0, false, false
		for i := start; i < len(s); i++ {
			c := s[i]
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{':
				depth++
			case '}':
				depth--
				if depth == 0 {
					cand := s[start : i+1]
					if json.Valid([]byte(cand)) {
						return cand, true
					}
					i = len(s) // invalid: try the next '{'
				}
			}
		}
		next := strings.IndexByte(s[start+1:], '{')
		if next < 0 {
			break
		}
		start += 1 + next
	}
	// An object that never closes is still worth a repair round: return
	// it so validation can say what is wrong.
	if i := strings.IndexByte(s, '{'); i >= 0 {
		return s[i:], true
	}
	return "", false
}

// Price is what a model costs, per thousand tokens, in the host's
// currency. It is a value, safe for concurrent use.
type Price struct {
	PromptPer1K     float64
	CompletionPer1K float64
}

// Cost prices a usage.
func (p Price) Cost(u predict.Usage) float64 {
	return float64(u.PromptTokens)/1000*p.PromptPer1K + float64(u.CompletionTokens)/1000*p.CompletionPer1K
}

// Keys of GenerationInfo that carry token counts, by provider: OpenAI and
// compatible servers, Ollama and Google use the first spelling of each,
// Anthropic InputTokens/OutputTokens, Bedrock and Vertex the snake case.
var (
	promptKeys     = []string{"PromptTokens", "InputTokens", "input_tokens", "prompt_tokens", "PromptTokenCount", "inputTokenCount"}
	completionKeys = []string{"CompletionTokens", "OutputTokens", "output_tokens", "completion_tokens", "CandidatesTokenCount", "outputTokenCount"}
	totalKeys      = []string{"TotalTokens", "total_tokens", "TotalTokenCount"}
	// Anthropic counts tokens read from or written to its prompt cache
	// apart from input_tokens; they are prompt tokens all the same.
	cacheKeys = []string{"CacheCreationInputTokens", "CacheReadInputTokens"}
)

// usageOf normalises the token usage of a response. Providers repeat the
// response's usage in every choice (Anthropic's tool_use and text blocks
// each carry the whole message's counts), so the counts are the largest
// seen in any choice, never a sum.
func usageOf(resp *llms.ContentResponse) predict.Usage {
	var u predict.Usage
	if resp == nil {
		return u
	}
	for _, c := range resp.Choices {
		if c == nil || c.GenerationInfo == nil {
			continue
		}
		p := first(c.GenerationInfo, promptKeys)
		if anthropicStyle(c.GenerationInfo) {
			for _, k := range cacheKeys {
				p += intOf(c.GenerationInfo[k])
			}
		}
		cp := first(c.GenerationInfo, completionKeys)
		t := first(c.GenerationInfo, totalKeys)
		if t < p+cp {
			t = p + cp
		}
		u.PromptTokens = max(u.PromptTokens, p)
		u.CompletionTokens = max(u.CompletionTokens, cp)
		u.TotalTokens = max(u.TotalTokens, t)
	}
	return u
}

func anthropicStyle(info map[string]any) bool {
	_, ok := info["InputTokens"]
	return ok
}

func first(info map[string]any, keys []string) int {
	for _, k := range keys {
		if v, ok := info[k]; ok {
			if n := intOf(v); n > 0 {
				return n
			}
		}
	}
	return 0
}

func intOf(v any) int {
	switch n := v.(type) {
	case int:
		return max(n, 0)
	case int32:
		return max(int(n), 0)
	case int64:
		return max(int(n), 0)
	case uint32:
		return int(n)
	case float64:
		if n > 0 && n < math.MaxInt32 {
			return int(n)
		}
	case json.Number:
		if i, err := n.Int64(); err == nil && i > 0 {
			return int(i)
		}
	}
	return 0
}
