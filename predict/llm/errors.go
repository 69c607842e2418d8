package llm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/internal/redact"
	"github.com/tmc/langchaingo/llms"
)

var (
	// ErrNilModel is returned by New without a model.
	ErrNilModel = errors.New("llm: no model")
	// ErrInvalidAnswer is wrapped by the error of a prediction whose
	// answer could not be read as JSON at all, even after the repair
	// round. Answers that parse but break the schema are not errors:
	// the fields that do not fit are dropped.
	ErrInvalidAnswer = errors.New("llm: answer is not a JSON object of the requested shape")
	// ErrEmptyAnswer is wrapped when the model answered with no choices.
	ErrEmptyAnswer = errors.New("llm: model answered nothing")
	// ErrTooLarge is wrapped when the model's answer exceeds the size or
	// nesting limits.
	ErrTooLarge = errors.New("llm: answer too large")
	// ErrBadOption is wrapped by New for an invalid option.
	ErrBadOption = errors.New("llm: invalid option")
	// ErrBadRequest is wrapped by Predict for a request it cannot ask a
	// model about (an unknown field type, duplicate field names, a bad
	// pattern).
	ErrBadRequest = errors.New("llm: invalid request")
)

// Error is the error of a model call that failed. It says whether a later
// retry of the same request could succeed. It is plain data, safe for
// concurrent reads.
type Error struct {
	// StatusCode is the HTTP status of the provider's last answer, when
	// known (see HTTPClient); zero otherwise.
	StatusCode int
	// Retryable reports whether retrying later can help: rate limits,
	// server errors, timeouts and network failures can; bad requests,
	// authentication failures and cancellation cannot.
	Retryable bool
	// RetryAfter is how long the provider asked to wait, when it said.
	RetryAfter time.Duration
	// Attempts is how many calls were made.
	Attempts int
	// Err is the underlying error.
	Err error
}

// Error implements error. Keys, tokens and passwords in the provider's
// text (servers echo what they were sent) are redacted, so that the
// message can be logged and stored.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("llm: model call failed")
	var parts []string
	if e.StatusCode != 0 {
		parts = append(parts, "status "+strconv.Itoa(e.StatusCode))
	}
	if e.Attempts > 1 {
		parts = append(parts, strconv.Itoa(e.Attempts)+" attempts")
	}
	if e.Retryable {
		parts = append(parts, "retryable")
	}
	if e.RetryAfter > 0 {
		parts = append(parts, "retry after "+e.RetryAfter.String())
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return redact.String(b.String())
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// IsRetryable reports whether err, or an error it wraps, is an *Error
// that says a later retry could succeed.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// statusInText finds the status code the langchaingo clients put in their
// error messages ("API returned unexpected status code: 429: ...").
var statusInText = regexp.MustCompile(`status code:? (\d{3})\b`)

// classify turns the error of one model call into an *Error. rec is what
// the transport saw of the call, if it was used.
func classify(ctx context.Context, err error, rec *record, now time.Time) *Error {
	e := &Error{Err: err}
	if ctx.Err() != nil {
		// The clients hide context errors behind their own texts; put
		// the context's back so that errors.Is works.
		if !errors.Is(err, ctx.Err()) {
			e.Err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		e.Retryable = errors.Is(ctx.Err(), context.DeadlineExceeded)
		return e
	}
	if rec != nil {
		status, header := rec.last()
		if status >= 300 {
			e.StatusCode = status
		}
		if header != nil {
			e.RetryAfter = retryAfter(header.Get("Retry-After"), header.Get("Retry-After-Ms"), now)
		}
	}
	if e.StatusCode == 0 {
		if m := statusInText.FindStringSubmatch(err.Error()); m != nil {
			e.StatusCode, _ = strconv.Atoi(m[1])
		}
	}
	if e.StatusCode != 0 {
		e.Retryable = retryableStatus(e.StatusCode)
		return e
	}
	var le *llms.Error
	if errors.As(err, &le) {
		switch le.Code {
		case llms.ErrCodeRateLimit, llms.ErrCodeProviderUnavailable, llms.ErrCodeTimeout:
			e.Retryable = true
		}
		return e
	}
	var ne net.Error
	if errors.As(err, &ne) {
		e.Retryable = true
		return e
	}
	// The clients turn network failures and timeouts into plain texts.
	s := strings.ToLower(err.Error())
	for _, p := range []string{"request timeout", "network error", "connection refused", "connection reset", "eof", "send request"} {
		if strings.Contains(s, p) {
			e.Retryable = true
			break
		}
	}
	return e
}

func retryableStatus(code int) bool {
	switch code {
	case 408, 409, 425, 429, 500, 502, 503, 504, 529:
		return true
	}
	return false
}

// retryAfter parses a Retry-After header (delay in seconds, or an HTTP
// date) or, failing that, a Retry-After-Ms header. It returns zero when
// neither says anything usable.
func retryAfter(v, ms string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			if n > 0 && n < 1e6 {
				return time.Duration(n * float64(time.Second))
			}
			return 0
		}
		if t, err := http.ParseTime(v); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
			return 0
		}
	}
	if n, err := strconv.ParseFloat(strings.TrimSpace(ms), 64); err == nil && n > 0 && n < 1e9 {
		return time.Duration(n * float64(time.Millisecond))
	}
	return 0
}
