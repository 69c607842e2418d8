package heuristic

import (
	"cmp"
	_ "embed"
	"math"
	"slices"
	"sync"

	"github.com/caseagent/caseagent/predict/textclass"
)

// IntentClassifier reads the kind of request a customer's whole text is
// (the text a Classifier reads): every label it knows, each a concept of
// the lexicon such as "#howto", with its calibrated probability. A
// textclass.Model trained on texts so labelled satisfies it.
//
// Implementations must be safe for concurrent use.
type IntentClassifier interface {
	Scores(text string) []textclass.Score
}

// intentModelFile is an IntentClassifier trained on the customer text of
// the project's own stories in seven languages (TestIntentModel rebuilds
// it). Its labels are the concepts the stories' tenant's category labels
// name: #malfunction, #charge, #account, #delivery, #return, #howto and
// #feature. Any tenant whose options' labels name such kinds gets its
// reading, whatever the options are called.
//
//go:embed intent.model
var intentModelFile []byte

// intentModel is the embedded classifier, read once.
var intentModel = sync.OnceValue(func() IntentClassifier { return embeddedModel("intent.model", intentModelFile) })

// intentWeight is how much the log of the ratio between the intent
// model's likeliest kind and the next adds to the likeliest's option.
// With the model trained without rounds 24 to 29 and measured on them,
// it passes 1,248 of their 1,344 stories against 1,192 without it, and
// writes 91 wrong values against 148. 1 and 1.5 pass as many; above
// 0.75 one public scenario, a how-to question told with "I signed in",
// is read as account access.
const intentWeight = 0.75

// intentFloor is the least probability the intent model's reading
// counts with: a kind it all but rules out still loses by a bounded
// amount.
const intentFloor = 0.01

// minIntentKinds is the number of a field's options whose labels name
// kinds the intent classifier knows for it to speak to the field.
const minIntentKinds = 3

// WithIntentClassifier sets the classifier that reads the kind of
// request from the customer's whole text, for choice fields of which
// three options or more are named by kinds it knows (the first concept
// of an option's label, such as #howto of "How-to"). By default the
// predictor uses a model trained on the project's own stories in seven
// languages; nil turns it off.
func WithIntentClassifier(c IntentClassifier) Option {
	return func(p *Predictor) error {
		p.intent, p.intentSet = c, true
		return nil
	}
}

// labelConcepts reads an option's label (or value) once for what it
// names: key, its first situation concept, else its first concept of a
// thing ("Account access": #account), or ""; and kinds, the kinds of
// device it names ("Cam4 Outdoor Camera": #outdoor, #camera).
func labelConcepts(lx *lexicon, name string) (key string, kinds []string) {
	thing := ""
	for _, t := range lx.terms(tokenize(name, nil), nil) {
		if t.key[0] != '#' || t.neg {
			continue
		}
		if kindConcepts[t.key] {
			kinds = append(kinds, t.key)
		}
		switch {
		case key != "":
		case isPredicate(t.key):
			key = t.key
		case thing == "":
			thing = t.key
		}
	}
	return cmp.Or(key, thing), kinds
}

// intentScores returns, per option, the log of the probability the
// intent classifier gives the kind its label names, or nil when the
// field is not one the classifier speaks to. The probability of the
// kinds no option names is shared among the options whose kinds the
// classifier does not know: a tenant's "Usage question" keeps what the
// classifier gives to #howto when no option is named by #howto. No
// option counts with less than intentFloor.
func (cf *choiceField) intentScores(c *conversation) []float64 {
	if c.intent == nil {
		return nil
	}
	if l, ok := c.intent.(interface{ Labels() []string }); ok && !c.intentRead {
		// A field the classifier cannot speak to is not worth a reading.
		labels, named := l.Labels(), 0
		for i := range cf.opts {
			if slices.Contains(labels, cf.opts[i].labelKey) {
				named++
			}
		}
		if named < minIntentKinds {
			return nil
		}
	}
	if !c.intentRead {
		c.intentDist = c.intent.Scores(c.customerText())
		c.intentRead = true
	}
	out := make([]float64, len(cf.opts))
	claimed := make([]bool, len(c.intentDist))
	known, rest := 0, 0.0
	for i := range cf.opts {
		out[i] = -1 // not known
		for k, s := range c.intentDist {
			if s.Label == cf.opts[i].labelKey {
				out[i] = s.Probability
				claimed[k] = true
				known++
				break
			}
		}
	}
	if known < minIntentKinds {
		return nil
	}
	for k, s := range c.intentDist {
		if !claimed[k] {
			rest += s.Probability
		}
	}
	if unknown := len(cf.opts) - known; unknown > 0 {
		rest /= float64(unknown)
	}
	for i, p := range out {
		if p < 0 {
			p = rest
		}
		if math.IsNaN(p) {
			p = 0
		}
		out[i] = math.Log(min(max(p, intentFloor), 1))
	}
	return out
}

// intentBoost returns the option whose kind the intent classifier reads
// as the likeliest, and what its reading adds to the option's score:
// intentWeight times the log of how much likelier than the next option
// the classifier reads it. -1 when it speaks to no option. Only the
// likeliest gains, so that two options it reads as unlikely do not
// trade places.
func (cf *choiceField) intentBoost(c *conversation) (int, float64) {
	ls := cf.intentScores(c)
	if ls == nil {
		return -1, 0
	}
	best, second := argTop2(ls)
	if best < 0 || ls[best] <= second {
		return -1, 0
	}
	return best, intentWeight * (ls[best] - second)
}
