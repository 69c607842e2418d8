package resolve_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
	"github.com/caseagent/caseagent/predict/resolve/resolvetest"
)

func newDefault(t *testing.T, opts ...resolve.Option) *resolve.Default {
	t.Helper()
	r, err := resolve.NewDefault(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDefaultConformance(t *testing.T) {
	resolvetest.Run(t, func(t *testing.T) resolve.Resolver { return newDefault(t) })
}

func TestFuncConformance(t *testing.T) {
	// A host's resolver that hands everything over passes too.
	resolvetest.Run(t, func(t *testing.T) resolve.Resolver {
		return resolve.Func(func(ctx context.Context, req *resolve.Request) (*resolve.Decision, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return &resolve.Decision{Kind: resolve.UnableToResolve, Reason: "handled by people"}, nil
		})
	})
}

func TestDefaultDecisions(t *testing.T) {
	reqs := resolvetest.Requests()
	r := newDefault(t)
	ctx := context.Background()
	for _, tc := range []struct {
		req      string
		kind     resolve.Kind
		ask      []string
		contains []string
		cites    []string // article ids cited
	}{
		{req: "missing", kind: resolve.Question, ask: []string{"serial"},
			contains: []string{"one more detail", "What is the serial number on the label?"}},
		{req: "complete", kind: resolve.Resolved, cites: []string{"battery"},
			contains: []string{"Replace the thermostat batteries", "two AA batteries", "https://help.example.com/battery", "reply to this message"}},
		{req: "intent articles", kind: resolve.Resolved, cites: []string{"refund"}, contains: []string{"5 to 10 working days"}},
		{req: "no intent", kind: resolve.UnableToResolve},
		{req: "no hits", kind: resolve.UnableToResolve},
		{req: "spanish", kind: resolve.Question, ask: []string{"product", "serial"},
			contains: []string{"Para ayudarte necesitamos algunos datos más:", "¿Cuál es tu product?", "What is the serial number on the label?"}},
	} {
		t.Run(tc.req, func(t *testing.T) {
			d, err := r.Resolve(ctx, reqs[tc.req])
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tc.kind {
				t.Fatalf("kind %s (%s), want %s", d.Kind, d.Reason, tc.kind)
			}
			if diff := cmp.Diff(tc.ask, d.Ask); diff != "" {
				t.Errorf("ask (-want +got):\n%s", diff)
			}
			for _, s := range tc.contains {
				if !strings.Contains(d.Message, s) {
					t.Errorf("message does not contain %q:\n%s", s, d.Message)
				}
			}
			var cited []string
			for _, c := range d.Citations {
				if len(cited) == 0 || cited[len(cited)-1] != c.ArticleID {
					cited = append(cited, c.ArticleID)
				}
			}
			if diff := cmp.Diff(tc.cites, cited); diff != "" {
				t.Errorf("cited articles (-want +got):\n%s", diff)
			}
			if d.NeedsReview {
				t.Errorf("needs review without WithReview")
			}
		})
	}
}

func TestDefaultOptions(t *testing.T) {
	ctx := context.Background()
	req := resolvetest.Requests()["complete"]
	d, err := newDefault(t, resolve.WithReview()).Resolve(ctx, req)
	if err != nil || !d.NeedsReview {
		t.Errorf("WithReview: %+v, %v; want needs review", d, err)
	}
	d, err = newDefault(t, resolve.WithMinScore(1000)).Resolve(ctx, req)
	if err != nil || d.Kind != resolve.UnableToResolve {
		t.Errorf("WithMinScore(1000): %+v, %v; want unable", d, err)
	}
	texts := resolve.DefaultTexts()["en"]
	texts.Answer = "Bonjour from our own text:"
	d, err = newDefault(t, resolve.WithTexts(map[string]resolve.Texts{"en": texts})).Resolve(ctx, req)
	if err != nil || !strings.HasPrefix(d.Message, "Bonjour from our own text:") {
		t.Errorf("WithTexts: %q, %v", d.Message, err)
	}
	for name, opts := range map[string][]resolve.Option{
		"no articles": {resolve.WithMaxArticles(0)},
		"negative":    {resolve.WithMinScore(-1)},
		"empty text":  {resolve.WithTexts(map[string]resolve.Texts{"fi": {}})},
		"bad ask for": {resolve.WithTexts(map[string]resolve.Texts{"en": func() resolve.Texts { t := texts; t.AskFor = "Your id?"; return t }()})},
	} {
		if _, err := resolve.NewDefault(opts...); err == nil {
			t.Errorf("%s: NewDefault accepted it", name)
		}
	}
	if _, err := newDefault(t).Resolve(ctx, nil); !errors.Is(err, resolve.ErrInvalid) {
		t.Errorf("nil request: %v, want ErrInvalid", err)
	}
}

func TestCheck(t *testing.T) {
	req := resolvetest.Requests()["complete"]
	quote := req.Hits[0].Passages[0].Text
	good := knowledge.Citation{ArticleID: "battery", Quote: quote}
	for _, tc := range []struct {
		name  string
		in    *resolve.Decision
		want  *resolve.Decision
		drops int
	}{
		{"nil", nil, &resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: "the resolver returned no decision"}, 0},
		{"unknown kind", &resolve.Decision{Kind: "maybe"},
			&resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: `the resolver returned the unknown kind "maybe"`}, 0},
		{"valid answer", &resolve.Decision{Kind: resolve.Resolved, Message: "Two AA.", Citations: []knowledge.Citation{good}},
			&resolve.Decision{Kind: resolve.Resolved, Message: "Two AA.", Citations: []knowledge.Citation{good}}, 0},
		{"white space and case of a quote do not matter",
			&resolve.Decision{Kind: resolve.Resolved, Message: "Two AA.", Citations: []knowledge.Citation{{ArticleID: "battery", Quote: "  THE thermostat runs\non two   AA batteries"}}},
			&resolve.Decision{Kind: resolve.Resolved, Message: "Two AA.", Citations: []knowledge.Citation{{ArticleID: "battery", Quote: "  THE thermostat runs\non two   AA batteries"}}}, 0},
		{"invented quote dropped, answer kept on the valid one",
			&resolve.Decision{Kind: resolve.Resolved, Message: "x", Citations: []knowledge.Citation{good, {ArticleID: "battery", Quote: "Batteries are free for life."}}},
			&resolve.Decision{Kind: resolve.Resolved, Message: "x", Citations: []knowledge.Citation{good}}, 1},
		{"only invented quotes: no answer",
			&resolve.Decision{Kind: resolve.Resolved, Message: "Batteries are free.", Reason: "model", Citations: []knowledge.Citation{{ArticleID: "battery", Quote: "Batteries are free for life."}}},
			&resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: "the answer has no valid citation (model)"}, 1},
		{"article not retrieved",
			&resolve.Decision{Kind: resolve.Resolved, Message: "x", Citations: []knowledge.Citation{{ArticleID: "secret", Quote: quote}}},
			&resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: "the answer has no valid citation"}, 1},
		{"quote too short",
			&resolve.Decision{Kind: resolve.Resolved, Message: "x", Citations: []knowledge.Citation{{ArticleID: "battery", Quote: "two"}}},
			&resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: "the answer has no valid citation"}, 1},
		{"no citation", &resolve.Decision{Kind: resolve.Resolved, Message: "x"},
			&resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: "the answer has no valid citation"}, 0},
		{"no message", &resolve.Decision{Kind: resolve.Resolved, Citations: []knowledge.Citation{good}},
			&resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: "the answer has no message"}, 0},
		{"links fixed to the article's",
			&resolve.Decision{Kind: resolve.Resolved, Message: "x", Citations: []knowledge.Citation{good},
				Links: []resolve.Link{{ArticleID: "battery", URL: "https://evil.example.com"}, {ArticleID: "nope", URL: "https://x.example.com"}}},
			&resolve.Decision{Kind: resolve.Resolved, Message: "x", Citations: []knowledge.Citation{good},
				Links: []resolve.Link{{ArticleID: "battery", Title: "Replace the thermostat batteries", URL: "https://help.example.com/battery"}}}, 0},
		{"question for known attributes only",
			&resolve.Decision{Kind: resolve.Question, Message: "Serial?", Ask: []string{"serial", "product"}},
			&resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: "the question asks only for what is known already"}, 0},
		{"question without message", &resolve.Decision{Kind: resolve.Question, Ask: []string{"colour"}},
			&resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: "the question has no message"}, 0},
		{"question keeps what is unknown",
			&resolve.Decision{Kind: resolve.Question, Message: "Colour?", Ask: []string{"serial", "colour", "colour"}},
			&resolve.Decision{Kind: resolve.Question, Message: "Colour?", Ask: []string{"colour"}}, 0},
		{"no action", &resolve.Decision{Kind: resolve.NoAction, Reason: "thanks only"},
			&resolve.Decision{Kind: resolve.NoAction, Reason: "thanks only"}, 0},
		{"resolve case drops a bad citation",
			&resolve.Decision{Kind: resolve.ResolveCase, Message: "Solved.", Citations: []knowledge.Citation{{ArticleID: "battery", Quote: "nothing like this"}}},
			&resolve.Decision{Kind: resolve.ResolveCase, Message: "Solved."}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, drops := resolve.Validate(req, tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(drops) != tc.drops {
				t.Errorf("%d drops %+v, want %d", len(drops), drops, tc.drops)
			}
		})
	}
}

func TestScript(t *testing.T) {
	ctx := context.Background()
	reqs := resolvetest.Requests()
	s := resolvetest.NewScript(&resolve.Decision{Kind: resolve.NoAction}).
		ForIntent("refund", &resolve.Decision{Kind: resolve.UnableToResolve, Reason: "refunds go to people"})
	d, err := s.Resolve(ctx, reqs["intent articles"])
	if err != nil || d.Kind != resolve.UnableToResolve {
		t.Errorf("by intent: %+v, %v", d, err)
	}
	d, err = s.Resolve(ctx, reqs["complete"])
	if err != nil || d.Kind != resolve.NoAction {
		t.Errorf("queued: %+v, %v", d, err)
	}
	if _, err := s.Resolve(ctx, reqs["complete"]); !errors.Is(err, resolvetest.ErrExhausted) {
		t.Errorf("exhausted: %v", err)
	}
	boom := errors.New("boom")
	s.Fail(boom)
	if _, err := s.Resolve(ctx, reqs["intent articles"]); !errors.Is(err, boom) {
		t.Errorf("Fail: %v", err)
	}
	if n := len(s.Requests()); n != 4 {
		t.Errorf("recorded %d requests, want 4", n)
	}
}
