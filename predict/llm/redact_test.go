package llm_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/llm"
	"github.com/tmc/langchaingo/llms/openai"
)

// TestErrorDoesNotLeakEchoedKey: a provider that echoes the API key in
// its error answer does not put the key into the error's text, which is
// what gets logged and stored.
func TestErrorDoesNotLeakEchoedKey(t *testing.T) {
	const key = "sk-proj-Zx81mQ0aLr3VtW9yKb7nPc2sDf4gHj6k"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided: `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+`. Header was `+r.Header.Get("Authorization")+`","type":"invalid_request_error","code":"invalid_api_key"}}`)
	}))
	defer srv.Close()
	m, err := openai.New(openai.WithToken(key), openai.WithBaseURL(srv.URL), openai.WithModel("gpt-test"),
		openai.WithHTTPClient(llm.HTTPClient(nil, 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := llm.New(m)
	if err != nil {
		t.Fatal(err)
	}
	req := &predict.Request{
		Fields:   []predict.Field{{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}}}},
		Messages: []channel.Message{{ID: "1", Role: channel.RoleCustomer, Text: "I was charged twice."}},
	}
	_, err = p.Predict(context.Background(), req)
	if err == nil {
		t.Fatal("no error from a 401")
	}
	if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), key[8:]) {
		t.Errorf("the key leaks into the error: %s", err)
	}
	if !strings.Contains(err.Error(), "401") {
		t.Errorf("the error lost what happened: %s", err)
	}
}
