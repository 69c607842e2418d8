package llmfake

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDecode(t *testing.T) {
	oa := NewOpenAI(t, Answer(`{"a":1}`))
	status, _ := post(t, oa.URL+"/chat/completions", `{"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":[{"type":"text","text":"hi"}]}],
		"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"f"}}}`)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	got := oa.Last()
	want := &Request{Provider: OpenAI, Model: "m", System: "sys", Messages: []Message{{Role: "user", Text: "hi"}},
		Tools: []Tool{{Name: "f", Schema: []byte(`{"type":"object"}`)}}, ToolChoice: "f"}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool {
		n := p.Last().String()
		return n == ".Header" || n == ".Body"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}

	an := NewAnthropic(t, Answer(`{"a":1}`))
	for name, body := range map[string]string{
		"no max_tokens":     `{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
		"no messages":       `{"model":"m","max_tokens":10,"messages":[]}`,
		"non-object schema": `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"string"}}]}`,
		"not JSON":          `{`,
	} {
		if status, _ := post(t, an.URL+"/messages", body); status != 400 {
			t.Errorf("%s: status %d, want 400", name, status)
		}
	}
	if status, _ := post(t, an.URL+"/chat/completions", `{}`); status != 404 {
		t.Errorf("wrong path: status %d, want 404", status)
	}
	status, body := post(t, an.URL+"/messages", `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object"}}]}`)
	if status != 200 || !strings.Contains(body, `"type":"tool_use"`) || !strings.Contains(body, `"input_tokens"`) {
		t.Errorf("anthropic answer %d %s", status, body)
	}
}

func TestSequence(t *testing.T) {
	h := Sequence(Reply{Status: 500}, Reply{Status: 429})
	var got []int
	for range 3 {
		got = append(got, h(&Request{}).Status)
	}
	if diff := cmp.Diff([]int{500, 429, 429}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}
