package llm

import "github.com/caseagent/caseagent/predict"

// EstimateUsage tells what one Predict of req will use at most, short of
// a repair round: nothing when the model will not be asked (no field to
// ask about, no messages, or an identical request answered before);
// otherwise one call, the prompt as it will be sent, counted with the
// configured counter, and an answer at the token cap (WithMaxTokens),
// priced from the price table. A budget.Budget reserves it while the call
// runs (it implements budget.Estimator).
func (p *Predictor) EstimateUsage(req *predict.Request) predict.Usage {
	if req == nil || len(req.Messages) == 0 {
		return predict.Usage{}
	}
	specs, err := specsOf(req.Fields)
	if err != nil {
		return predict.Usage{}
	}
	ask := specs[:0:0]
	for _, s := range specs {
		if s.contacts && (req.Customer.Authenticated() || req.Directory == nil) {
			continue
		}
		ask = append(ask, s)
	}
	if len(ask) == 0 {
		return predict.Usage{}
	}
	pr := p.build(req, ask)
	if _, hit := p.cache.get(cacheKey(pr)); hit {
		return predict.Usage{}
	}
	u := predict.Usage{Calls: 1, CompletionTokens: p.cfg.maxTokens}
	u.PromptTokens = 2*tokensPerMessage + tokensPerReply + p.cfg.count(pr.system) + p.cfg.count(pr.user)
	if p.cfg.mode == ModeTool {
		u.PromptTokens += p.cfg.count(ToolName) + p.cfg.count(toolDescription) + p.cfg.count(string(pr.schema))
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	if price, ok := p.cfg.prices[p.cfg.name]; ok {
		u.Cost = price.Cost(u)
	}
	return u
}
