package llmfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The providers a Server can speak.
const (
	OpenAI    = "openai"
	Ollama    = "ollama"
	Anthropic = "anthropic"
)

// Message is one message of a decoded request.
type Message struct {
	Role string
	Text string
}

// Tool is a tool the request offered.
type Tool struct {
	Name        string
	Description string
	Schema      json.RawMessage
}

// Request is what a server received, decoded the same way whatever the
// provider. The server never changes a Request once it is handed out, so
// it is safe to read concurrently.
type Request struct {
	Provider string
	Model    string
	// System is the system prompt.
	System string
	// Messages are the other messages, in order.
	Messages []Message
	Tools    []Tool
	// ToolChoice names the tool the request forced, if any. Ollama
	// ignores tool_choice, and so does its fake.
	ToolChoice string
	// JSONMode is set when the request asked for a JSON object.
	JSONMode  bool
	MaxTokens int
	Header    http.Header
	// Body is the raw request body.
	Body []byte
}

// User returns the text of the request's user messages, joined.
func (r *Request) User() string {
	var parts []string
	for _, m := range r.Messages {
		if m.Role == "user" {
			parts = append(parts, m.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// Choice is one part of a scripted answer: an OpenAI choice, or an
// Anthropic content block.
type Choice struct {
	// Text is the assistant text of the choice.
	Text string
	// ToolArgs, when set, makes the choice a call of ToolName (by
	// default the request's first tool) with these JSON arguments.
	ToolArgs string
	ToolName string
	// Legacy sends an OpenAI tool call as a deprecated function_call.
	Legacy bool
}

// Reply is a scripted answer, plain data (as are Choice, Message and
// Tool), safe to share between goroutines once built.
type Reply struct {
	// Status is the HTTP status; zero means 200.
	Status int
	// Header is set on the response (Retry-After, for example).
	Header map[string]string
	// Error is the error message of a failed reply.
	Error string
	// Choices make up a successful answer.
	Choices []Choice
	// PromptTokens and CompletionTokens are reported as usage; when both
	// are zero they are estimated from the sizes of request and answer.
	PromptTokens, CompletionTokens int
	// Delay holds the answer back (until the client gives up, if sooner).
	Delay time.Duration
	// Body, when set, is sent as the response body as it is.
	Body string
}

// Handler scripts a server's replies. Servers call it from the goroutine
// of each request, so it must be safe for concurrent use.
type Handler func(req *Request) Reply

// Answer returns a Handler that answers every request with one tool call
// carrying args.
func Answer(args string) Handler {
	return func(*Request) Reply { return Reply{Choices: []Choice{{ToolArgs: args}}} }
}

// Sequence returns a Handler that gives the replies in turn, repeating the
// last one once they run out.
func Sequence(replies ...Reply) Handler {
	var mu sync.Mutex
	i := 0
	return func(*Request) Reply {
		mu.Lock()
		defer mu.Unlock()
		if len(replies) == 0 {
			return Reply{Status: http.StatusInternalServerError, Error: "no reply scripted"}
		}
		r := replies[min(i, len(replies)-1)]
		i++
		return r
	}
}

// Server is a local server speaking one provider's wire format.
type Server struct {
	// URL is the base URL to hand the client: it ends in /v1.
	URL      string
	provider string
	handler  Handler
	srv      *httptest.Server

	mu       sync.Mutex
	requests []*Request
}

// NewOpenAI starts a server speaking the OpenAI chat completions API at
// URL + "/chat/completions". It is closed when the test ends.
func NewOpenAI(t testing.TB, h Handler) *Server { return start(t, OpenAI, h) }

// NewOllama starts a server speaking Ollama's OpenAI-compatible API. It
// differs from NewOpenAI as Ollama does: tool_choice is ignored.
func NewOllama(t testing.TB, h Handler) *Server { return start(t, Ollama, h) }

// NewAnthropic starts a server speaking the Anthropic messages API at
// URL + "/messages".
func NewAnthropic(t testing.TB, h Handler) *Server { return start(t, Anthropic, h) }

func start(t testing.TB, provider string, h Handler) *Server {
	t.Helper()
	s := &Server{provider: provider, handler: h}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("llmfake: listen: %v", err)
	}
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: s}}
	s.srv.Start()
	s.URL = s.srv.URL + "/v1"
	t.Cleanup(s.srv.Close)
	return s
}

// Calls returns how many requests the server has received.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []*Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Request(nil), s.requests...)
}

// Last returns the last request received, or nil.
func (s *Server) Last() *Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return nil
	}
	return s.requests[len(s.requests)-1]
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	want := "/v1/chat/completions"
	if s.provider == Anthropic {
		want = "/v1/messages"
	}
	if r.Method != http.MethodPost || r.URL.Path != want {
		http.Error(w, `{"error":{"message":"not found","type":"not_found_error"}}`, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req *Request
	if s.provider == Anthropic {
		req, err = decodeAnthropic(body)
	} else {
		req, err = decodeOpenAI(body, s.provider == Ollama)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(s.provider, "invalid request: "+err.Error()))
		return
	}
	req.Provider = s.provider
	req.Header = r.Header.Clone()
	req.Body = body
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()

	rep := s.handler(req)
	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	if rep.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, rep.Body)
		return
	}
	if status != http.StatusOK {
		msg := rep.Error
		if msg == "" {
			msg = http.StatusText(status)
		}
		writeJSON(w, status, errorBody(s.provider, msg))
		return
	}
	if s.provider == Anthropic {
		writeJSON(w, status, encodeAnthropic(req, rep))
	} else {
		writeJSON(w, status, encodeOpenAI(req, rep))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func errorBody(provider, msg string) any {
	typ := "server_error"
	if provider == Anthropic {
		return map[string]any{"type": "error", "error": map[string]any{"type": "api_error", "message": msg}}
	}
	return map[string]any{"error": map[string]any{"message": msg, "type": typ}}
}

// estimate is the fake's token count: a quarter of the characters.
func estimate(n int) int { return (n + 3) / 4 }

func usage(req *Request, rep Reply) (prompt, completion int) {
	if rep.PromptTokens != 0 || rep.CompletionTokens != 0 {
		return rep.PromptTokens, rep.CompletionTokens
	}
	out := 0
	for _, c := range rep.Choices {
		out += len(c.Text) + len(c.ToolArgs)
	}
	return estimate(len(req.Body)), estimate(out)
}

// text returns the text of a message content that is either a string or
// a list of typed parts.
func text(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type  string          `json:"type"`
		Text  string          `json:"text"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", fmt.Errorf("content is neither text nor parts: %w", err)
	}
	var b strings.Builder
	for _, p := range parts {
		switch p.Type {
		case "text":
			b.WriteString(p.Text)
		case "tool_use":
			b.Write(p.Input)
		}
	}
	return b.String(), nil
}

func decodeOpenAI(body []byte, ollama bool) (*Request, error) {
	var in struct {
		Model    string `json:"model"`
		Messages []struct {
			Role      string          `json:"role"`
			Content   json.RawMessage `json:"content"`
			ToolCalls []struct {
				Function struct {
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"messages"`
		Tools []struct {
			Type     string `json:"type"`
			Function struct {
				Name        string          `json:"name"`
				Description string          `json:"description"`
				Parameters  json.RawMessage `json:"parameters"`
			} `json:"function"`
		} `json:"tools"`
		ToolChoice     json.RawMessage `json:"tool_choice"`
		ResponseFormat *struct {
			Type string `json:"type"`
		} `json:"response_format"`
		MaxTokens           int `json:"max_tokens"`
		MaxCompletionTokens int `json:"max_completion_tokens"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	if len(in.Messages) == 0 {
		return nil, fmt.Errorf("messages: at least one message is required")
	}
	req := &Request{Model: in.Model, MaxTokens: max(in.MaxTokens, in.MaxCompletionTokens)}
	for _, m := range in.Messages {
		t, err := text(m.Content)
		if err != nil {
			return nil, err
		}
		for _, tc := range m.ToolCalls {
			t += tc.Function.Arguments
		}
		if m.Role == "system" {
			req.System += t
			continue
		}
		req.Messages = append(req.Messages, Message{Role: m.Role, Text: t})
	}
	for _, t := range in.Tools {
		if t.Type != "function" {
			return nil, fmt.Errorf("tools: unsupported type %q", t.Type)
		}
		req.Tools = append(req.Tools, Tool{Name: t.Function.Name, Description: t.Function.Description, Schema: t.Function.Parameters})
	}
	if len(in.ToolChoice) > 0 && !ollama {
		var tc struct {
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		}
		if json.Unmarshal(in.ToolChoice, &tc) == nil {
			req.ToolChoice = tc.Function.Name
		}
	}
	req.JSONMode = in.ResponseFormat != nil && in.ResponseFormat.Type == "json_object"
	return req, nil
}

func encodeOpenAI(req *Request, rep Reply) any {
	type fn struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	type toolCall struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Function fn     `json:"function"`
	}
	type message struct {
		Role         string     `json:"role"`
		Content      *string    `json:"content"`
		ToolCalls    []toolCall `json:"tool_calls,omitempty"`
		FunctionCall *fn        `json:"function_call,omitempty"`
	}
	type choice struct {
		Index        int     `json:"index"`
		Message      message `json:"message"`
		FinishReason string  `json:"finish_reason"`
	}
	var choices []choice
	for i, c := range rep.Choices {
		ch := choice{Index: i, Message: message{Role: "assistant"}, FinishReason: "stop"}
		if c.Text != "" || c.ToolArgs == "" {
			t := c.Text
			ch.Message.Content = &t
		}
		if c.ToolArgs != "" {
			name := c.ToolName
			if name == "" && len(req.Tools) > 0 {
				name = req.Tools[0].Name
			}
			if c.Legacy {
				ch.Message.FunctionCall = &fn{Name: name, Arguments: c.ToolArgs}
				ch.FinishReason = "function_call"
			} else {
				ch.Message.ToolCalls = []toolCall{{ID: fmt.Sprintf("call_%d", i), Type: "function", Function: fn{Name: name, Arguments: c.ToolArgs}}}
				ch.FinishReason = "tool_calls"
			}
		}
		choices = append(choices, ch)
	}
	p, c := usage(req, rep)
	return map[string]any{
		"id":      "chatcmpl-fake",
		"object":  "chat.completion",
		"created": 1700000000,
		"model":   req.Model,
		"choices": choices,
		"usage":   map[string]any{"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
	}
}

func decodeAnthropic(body []byte) (*Request, error) {
	var in struct {
		Model    string `json:"model"`
		System   string `json:"system"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		Tools []struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			InputSchema json.RawMessage `json:"input_schema"`
		} `json:"tools"`
		ToolChoice *struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"tool_choice"`
		MaxTokens int `json:"max_tokens"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	if in.MaxTokens <= 0 {
		return nil, fmt.Errorf("max_tokens: field required")
	}
	if len(in.Messages) == 0 {
		return nil, fmt.Errorf("messages: at least one message is required")
	}
	req := &Request{Model: in.Model, System: in.System, MaxTokens: in.MaxTokens}
	for _, m := range in.Messages {
		t, err := text(m.Content)
		if err != nil {
			return nil, err
		}
		req.Messages = append(req.Messages, Message{Role: m.Role, Text: t})
	}
	for _, t := range in.Tools {
		var probe struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(t.InputSchema, &probe); err != nil || probe.Type != "object" {
			return nil, fmt.Errorf("tools: input_schema of %s must be an object schema", t.Name)
		}
		req.Tools = append(req.Tools, Tool{Name: t.Name, Description: t.Description, Schema: t.InputSchema})
	}
	if in.ToolChoice != nil && in.ToolChoice.Type == "tool" {
		req.ToolChoice = in.ToolChoice.Name
	}
	return req, nil
}

func encodeAnthropic(req *Request, rep Reply) any {
	var content []any
	stop := "end_turn"
	for i, c := range rep.Choices {
		if c.Text != "" || c.ToolArgs == "" {
			content = append(content, map[string]any{"type": "text", "text": c.Text})
		}
		if c.ToolArgs != "" {
			name := c.ToolName
			if name == "" && len(req.Tools) > 0 {
				name = req.Tools[0].Name
			}
			// The messages API carries tool input as a JSON object; an
			// argument that is not valid JSON goes out as a string, which
			// the client then fails to decode, as with a broken upstream.
			var input any = json.RawMessage(c.ToolArgs)
			if !json.Valid([]byte(c.ToolArgs)) {
				input = c.ToolArgs
			}
			content = append(content, map[string]any{"type": "tool_use", "id": fmt.Sprintf("toolu_%d", i), "name": name, "input": input})
			stop = "tool_use"
		}
	}
	p, c := usage(req, rep)
	return map[string]any{
		"id":            "msg_fake",
		"type":          "message",
		"role":          "assistant",
		"model":         req.Model,
		"content":       content,
		"stop_reason":   stop,
		"stop_sequence": nil,
		"usage":         map[string]any{"input_tokens": p, "output_tokens": c},
	}
}
