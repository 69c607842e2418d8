package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if rec, ok := req.Context().Value(recordKey{}).(*record); ok {
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
