package predicttest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// Name is the default Result.Predictor of a fake.
const Name = "predicttest"

// ErrNilRequest is returned by Predict for a nil request.
var ErrNilRequest = errors.New("predicttest: nil request")

// FieldError is returned by Predict when a requested field was scripted
// to fail; it unwraps to the scripted error.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return "predicttest: field " + e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

type step struct {
	res *predict.Result
	err error
	fn  predict.Func
}

type fieldAnswer struct {
	p   predict.Prediction
	err error
}

// Predictor is a scripted fake predictor. Its methods are safe for
// concurrent use; the script methods return the Predictor so that they
// chain. The zero value is ready to use and abstains on everything.
type Predictor struct {
	mu       sync.Mutex
	name     string
	queue    []step
	fields   map[string]fieldAnswer
	requests []predict.Request
}

// New returns a Predictor with an empty script: it abstains on every field
// until told otherwise.
func New() *Predictor {
	return &Predictor{name: Name, fields: map[string]fieldAnswer{}}
}

// Named sets what the fake reports as Result.Predictor.
func (p *Predictor) Named(name string) *Predictor {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.name = name
	return p
}

// Then queues a result for the next unanswered call. It is returned as
// given (a copy), whatever was requested, so that tests can also feed
// callers results they must refuse; an empty Predictor name is filled in.
func (p *Predictor) Then(res *predict.Result) *Predictor {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, step{res: copyResult(res)})
	return p
}

// ThenError queues an error for the next unanswered call.
func (p *Predictor) ThenError(err error) *Predictor {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, step{err: err})
	return p
}

// ThenFunc queues a function that answers the next unanswered call.
func (p *Predictor) ThenFunc(f predict.Func) *Predictor {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, step{fn: f})
	return p
}

// Field answers the named field with pr whenever it is requested and no
// queued call is pending.
func (p *Predictor) Field(name string, pr predict.Prediction) *Predictor {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr.Evidence = slices.Clone(pr.Evidence)
	if p.fields == nil {
		p.fields = map[string]fieldAnswer{}
	}
	p.fields[name] = fieldAnswer{p: pr}
	return p
}

// FieldError makes every call that requests the named field fail with a
// *FieldError wrapping err (when no queued call is pending).
func (p *Predictor) FieldError(name string, err error) *Predictor {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fields == nil {
		p.fields = map[string]fieldAnswer{}
	}
	p.fields[name] = fieldAnswer{err: err}
	return p
}

// Predict records a copy of req and answers from the script. A done
// context is returned as an error without consuming the script.
func (p *Predictor) Predict(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	if req == nil {
		return nil, ErrNilRequest
	}
	p.mu.Lock()
	p.requests = append(p.requests, copyRequest(req))
	if err := ctx.Err(); err != nil {
		p.mu.Unlock()
		return nil, err
	}
	if len(p.queue) > 0 {
		st := p.queue[0]
		p.queue = p.queue[1:]
		name := p.name
		p.mu.Unlock()
		switch {
		case st.fn != nil:
			return st.fn(ctx, req)
		case st.err != nil:
			return nil, st.err
		}
		res := copyResult(st.res)
		if res.Predictor == "" {
			res.Predictor = name
		}
		return res, nil
	}
	defer p.mu.Unlock()
	res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: p.name}
	for _, f := range req.Fields {
		a, ok := p.fields[f.Name]
		if !ok {
			continue
		}
		if a.err != nil {
			return nil, &FieldError{Field: f.Name, Err: a.err}
		}
		pr := a.p
		pr.Evidence = slices.Clone(pr.Evidence)
		res.Predictions[f.Name] = pr
	}
	return res, nil
}

// Requests returns copies of the requests received so far, oldest first.
func (p *Predictor) Requests() []predict.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]predict.Request, len(p.requests))
	for i := range p.requests {
		out[i] = copyRequest(&p.requests[i])
	}
	return out
}

// Calls returns the number of calls received so far.
func (p *Predictor) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.requests)
}

// Pending returns the number of queued calls not yet answered.
func (p *Predictor) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue)
}

// RequestedFields returns, per call, the names of the requested fields.
func (p *Predictor) RequestedFields() [][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([][]string, len(p.requests))
	for i, r := range p.requests {
		for _, f := range r.Fields {
			out[i] = append(out[i], f.Name)
		}
	}
	return out
}

// Reset forgets the recorded requests; the script stays.
func (p *Predictor) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = nil
}

func copyRequest(r *predict.Request) predict.Request {
	c := *r
	c.Fields = make([]predict.Field, len(r.Fields))
	for i, f := range r.Fields {
		f.Options = slices.Clone(f.Options)
		c.Fields[i] = f
	}
	if r.Fields == nil {
		c.Fields = nil
	}
	if r.Messages != nil {
		c.Messages = make([]channel.Message, len(r.Messages))
		for i, m := range r.Messages {
			m.References = slices.Clone(m.References)
			m.To = slices.Clone(m.To)
			m.Cc = slices.Clone(m.Cc)
			m.Attachments = slices.Clone(m.Attachments)
			if m.Headers != nil {
				h := make(map[string][]string, len(m.Headers))
				for k, v := range m.Headers {
					h[k] = slices.Clone(v)
				}
				m.Headers = h
			}
			c.Messages[i] = m
		}
	}
	c.Known = maps.Clone(r.Known)
	return c
}

func copyResult(r *predict.Result) *predict.Result {
	if r == nil {
		return &predict.Result{Predictions: map[string]predict.Prediction{}}
	}
	c := *r
	c.Predictions = make(map[string]predict.Prediction, len(r.Predictions))
	for k, v := range r.Predictions {
		v.Evidence = slices.Clone(v.Evidence)
		c.Predictions[k] = v
	}
	return &c
}
