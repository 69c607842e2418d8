package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/llm"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/openai"
)

func imapTLS(s string) (imapsource.TLSMode, error) {
	switch s {
	case "", "implicit":
		return imapsource.ImplicitTLS, nil
	case "starttls":
		return imapsource.StartTLS, nil
	case "none":
		return imapsource.NoTLS, nil
	}
	return 0, fmt.Errorf("tls %q: want implicit, starttls or none", s)
}

func imapMark(s string) (imapsource.Mark, error) {
	switch s {
	case "", "seen":
		return imapsource.MarkSeen, nil
	case "flag":
		return imapsource.MarkFlag, nil
	case "move":
		return imapsource.MarkMove, nil
	}
	return 0, fmt.Errorf("mark %q: want seen, flag or move", s)
}

func smtpTLS(s string) (email.TLSMode, error) {
	switch s {
	case "", "starttls":
		return email.StartTLS, nil
	case "implicit":
		return email.ImplicitTLS, nil
	case "none":
		return email.NoTLS, nil
	}
	return 0, fmt.Errorf("tls %q: want starttls, implicit or none", s)
}

// openStore opens the SQLite file or PostgreSQL database of dsn; password,
// when not empty, is the PostgreSQL password (kept out of the file).
func openStore(ctx context.Context, dsn, password string, opts ...sqlstore.Option) (*sqlstore.Store, error) {
	kind, target := storeKind(dsn)
	if kind == "sqlite" {
		return sqlstore.OpenSQLite(ctx, target, opts...)
	}
	if password != "" {
		var err error
		if target, err = withPassword(target, password); err != nil {
			return nil, err
		}
	}
	return sqlstore.OpenPostgres(ctx, target, opts...)
}

// withPassword sets the password of a PostgreSQL DSN, a URL or key=value
// pairs.
func withPassword(dsn, password string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("store: %w", err)
		}
		user := ""
		if u.User != nil {
			user = u.User.Username()
		}
		u.User = url.UserPassword(user, password)
		return u.String(), nil
	}
	quoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(password)
	return dsn + " password='" + quoted + "'", nil
}

// newPredictor builds the predictor the configuration chooses: the offline
// one, or a model with the offline one filling what it leaves open and
// standing in when it fails.
func newPredictor(pc PredictorConfig, counter budget.Counter, getenv func(string) string, log *slog.Logger) (predict.Predictor, error) {
	offline, err := heuristic.New()
	if err != nil {
		return nil, err
	}
	if pc.Kind != "llm" {
		return offline, nil
	}
	lc := pc.LLM
	model, err := newModel(lc, getenv)
	if err != nil {
		return nil, err
	}
	mode := llm.ModeTool
	switch lc.Mode {
	case "", "tool":
	case "json":
		mode = llm.ModeJSON
	case "text":
		mode = llm.ModeText
	default:
		return nil, fmt.Errorf("predictor.llm.mode %q: want tool, json or text", lc.Mode)
	}
	var p predict.Predictor
	if p, err = llm.New(model, llm.WithModelName(lc.Model), llm.WithMode(mode), llm.WithLogger(log)); err != nil {
		return nil, err
	}
	if b := lc.Budget; b != nil {
		limits, err := b.limits(offline)
		if err != nil {
			return nil, fmt.Errorf("predictor.llm.budget: %w", err)
		}
		scope := b.Scope
		if scope == "" {
			scope = "default"
		}
		if p, err = budget.New(p, counter, limits, budget.WithScope(scope), budget.WithLogger(log)); err != nil {
			return nil, fmt.Errorf("predictor.llm.budget: %w", err)
		}
	}
	if lc.Alone {
		return p, nil
	}
	return predict.Fallback(predict.Chain(p, offline), offline), nil
}

func newModel(lc *LLMConfig, getenv func(string) string) (llms.Model, error) {
	key := ""
	if lc.APIKeyEnv != "" {
		key = getenv(lc.APIKeyEnv)
		if key == "" {
			return nil, fmt.Errorf("predictor.llm: the environment variable %s is empty", lc.APIKeyEnv)
		}
	}
	hc := llm.HTTPClient(nil, 0)
	switch lc.Provider {
	case "", "openai":
		if key == "" && lc.BaseURL == "" {
			return nil, errors.New("predictor.llm: api_key_env is required without base_url")
		}
		if key == "" {
			key = "unused" // local servers such as Ollama want none
		}
		opts := []openai.Option{openai.WithToken(key), openai.WithModel(lc.Model), openai.WithHTTPClient(hc)}
		if lc.BaseURL != "" {
			opts = append(opts, openai.WithBaseURL(lc.BaseURL))
		}
		return openai.New(opts...)
	case "anthropic":
		if key == "" {
			return nil, errors.New("predictor.llm: api_key_env is required with anthropic")
		}
		opts := []anthropic.Option{anthropic.WithToken(key), anthropic.WithModel(lc.Model), anthropic.WithHTTPClient(hc)}
		if lc.BaseURL != "" {
			opts = append(opts, anthropic.WithBaseURL(lc.BaseURL))
		}
		return anthropic.New(opts...)
	}
	return nil, fmt.Errorf("predictor.llm.provider %q: want openai or anthropic", lc.Provider)
}
