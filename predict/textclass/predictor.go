package textclass

import (
	"context"
	"strings"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// Predictor is a predict.Predictor that fills choice and lookup fields
// with trained models, one per field name, from the customer's own words.
// Fields without a model, and labels that are not among a field's
// options, are abstained on. The evidence of an answer is the customer's
// sentence that most supports it on its own (see Model.Evidence).
//
// A Predictor is safe for concurrent use.
type Predictor struct {
	models map[string]*Model
}

// NewPredictor returns a Predictor for the given models by field name. The
// map is copied.
func NewPredictor(models map[string]*Model) *Predictor {
	p := &Predictor{models: make(map[string]*Model, len(models))}
	for name, m := range models {
		if m != nil {
			p.models[name] = m
		}
	}
	return p
}

// Predict implements predict.Predictor.
func (p *Predictor) Predict(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "textclass"}
	var text string
	for i := range req.Fields {
		f := &req.Fields[i]
		m, ok := p.models[f.Name]
		if !ok {
			continue
		}
		if text == "" {
			text = CustomerText(req.Messages)
			if text == "" {
				break
			}
		}
		label, conf := m.Classify(text)
		value := label
		if f.HasOptions() {
			o, ok := f.Option(label)
			if !ok {
				continue
			}
			value = o.Value
		}
		pr := predict.Prediction{Value: value, Confidence: conf}
		if q := m.Evidence(text, label); q != "" {
			pr.Evidence = []predict.Evidence{{MessageID: messageOf(req.Messages, q), Quote: q}}
		}
		res.Predictions[f.Name] = pr
	}
	return res, nil
}

// CustomerText joins what customers wrote in messages, oldest first: the
// subject (once per thread) and new text of every message from a
// customer that is not automated, without quoted history or signatures.
func CustomerText(msgs []channel.Message) string {
	var parts []string
	seen := map[string]bool{}
	for i := range msgs {
		m := &msgs[i]
		if m.Role != channel.RoleCustomer || m.Automated() {
			continue
		}
		// A thread repeats its subject ("Re: ..."): count it once.
		if s := strings.TrimSpace(m.Subject); s != "" {
			key := strings.ToLower(s)
			for {
				k := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(key, "re:"), "fwd:"), "fw:"))
				if k == key {
					break
				}
				key = k
			}
			if !seen[key] {
				seen[key] = true
				parts = append(parts, s)
			}
		}
		if s := strings.TrimSpace(m.Text); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n\n")
}

// messageOf returns the id of the first customer message whose subject or
// text contains quote.
func messageOf(msgs []channel.Message, quote string) string {
	for i := range msgs {
		m := &msgs[i]
		if m.Role == channel.RoleCustomer && (strings.Contains(m.Text, quote) || strings.Contains(m.Subject, quote)) {
			return m.ID
		}
	}
	return ""
}
