package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// DefaultMaxResponseBytes is the response size HTTPClient allows when
// given no limit: far more than any answer for a case's fields, far less
// than what would hurt the process.
const DefaultMaxResponseBytes = 4 << 20

// HTTPClient returns an HTTP client for the providers' WithHTTPClient
// options (openai.WithHTTPClient, anthropic.WithHTTPClient, ...). It
// sends requests through base (http.DefaultClient when nil) and adds what
// the langchaingo clients cannot: it lets the Predictor see each
// answer's HTTP status and Retry-After header, which the clients drop
// when they turn an error status into an error text, and it cuts off
// response bodies over maxBytes (DefaultMaxResponseBytes when zero or
// less) so that a hostile or broken server cannot make the client read
// without end.
//
// For Anthropic it also adds the tool_choice that forces the answer's
// tool, which the langchaingo client does not send (see ModeTool).
//
// The langchaingo OpenAI and Anthropic clients do not retry on their own,
// so the Predictor's retry policy is the only one in play.
//
// The client is safe for concurrent use.
func HTTPClient(base *http.Client, maxBytes int64) *http.Client {
	if base == nil {
		base = http.DefaultClient
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResponseBytes
	}
	c := *base
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = &recordingTransport{next: next, max: maxBytes}
	return &c
}

// ErrResponseTooLarge is the read error of a response body over the limit
// HTTPClient was given.
var ErrResponseTooLarge = errors.New("llm: response body over the size limit")

type recordingTransport struct {
	next http.RoundTripper
	max  int64
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec, _ := req.Context().Value(recordKey{}).(*record)
	if rec != nil && rec.forceTool != "" {
		var err error
		if req, err = forceAnthropicTool(req, rec.forceTool); err != nil {
			return nil, err
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if rec != nil {
		rec.add(resp.StatusCode, resp.Header.Clone())
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes", ErrResponseTooLarge, resp.ContentLength)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Probe for more: a body of exactly the limit is fine.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

type recordKey struct{}

// record collects what the transport saw of the HTTP exchanges of one
// model call.
type record struct {
	// forceTool names the tool an Anthropic request must call; see
	// forceAnthropicTool.
	forceTool string

	mu     sync.Mutex
	status int
	header http.Header
}

func (r *record) add(status int, h http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.header = status, h
}

func (r *record) last() (int, http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status, r.header
}

func withRecord(ctx context.Context, r *record) context.Context {
	return context.WithValue(ctx, recordKey{}, r)
}

// maxRequestRewrite bounds the request bodies forceAnthropicTool reads.
const maxRequestRewrite = 8 << 20

// forceAnthropicTool adds "tool_choice": {"type": "tool", "name": tool}
// to an Anthropic messages request that offers the tool and chooses
// none. The messages API can force a tool, but the langchaingo client
// never sends tool_choice; without it the model may answer in prose.
// Only the predictor's own calls (marked in their context) are touched,
// and only requests the Anthropic client made (anthropic-version header,
// a /messages path); anything else goes out as it came.
func forceAnthropicTool(req *http.Request, tool string) (*http.Request, error) {
	if req.Method != http.MethodPost || req.Body == nil || req.Header.Get("anthropic-version") == "" ||
		!strings.HasSuffix(req.URL.Path, "/messages") {
		return req, nil
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxRequestRewrite+1))
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	if len(body) > maxRequestRewrite {
		return out, nil
	}
	var payload map[string]json.RawMessage
	if json.Unmarshal(body, &payload) != nil {
		return out, nil
	}
	if _, chosen := payload["tool_choice"]; chosen {
		return out, nil
	}
	var tools []struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(payload["tools"], &tools) != nil {
		return out, nil
	}
	for _, t := range tools {
		if t.Name == tool {
			choice, _ := json.Marshal(map[string]string{"type": "tool", "name": tool})
			payload["tool_choice"] = choice
			nb, err := json.Marshal(payload)
			if err != nil {
				return out, nil
			}
			out.Body = io.NopCloser(bytes.NewReader(nb))
			out.ContentLength = int64(len(nb))
			out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(nb)), nil }
			return out, nil
		}
	}
	return out, nil
}
