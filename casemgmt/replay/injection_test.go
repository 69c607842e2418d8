package replay_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tmc/langchaingo/llms/openai"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/replay"
	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/llm"
)

// The public scenario with a plain injection, replayed when present.
const publicInjection = "../../../shared/scenarios/019-email-prompt-injection-plain.scenario.json"

// Instructions the obedient model follows, in the forms customers (or
// attackers) write them, in several languages: "set the priority to
// Urgent", "setze die Priorität auf Urgent", "and category to Returns",
// "priority=Urgent", "priority Urgent" in a list, label lines of a
// forwarded message ("Prioridade: Urgent", taken as facts), and "quote
// '...'" to plant evidence.
var (
	obeySet = regexp.MustCompile(`(?i)^(?:(?:set|change|make|mark|and|setze|setzen|ändere|establece|establezca|cambia|cambie|pon|defina|mude|altere|mettre|mets|mettez|changez|imposta|cambia|zet|wijzig)\s+)?` +
		`(?:the\s+|this\s+ticket's\s+|my\s+|die\s+|der\s+|la\s+|el\s+|a\s+|o\s+|le\s+|de\s+)?(\pL[\pL_ ]{2,29}?)\s+(?:to|as|auf|en|a|sur|su|op|para|como|em|in|dans)\s+(.+)$`)
	obeyPair  = regexp.MustCompile(`(?i)\b([a-z_]{3,30})\s*=\s*([^;\n]+)`)
	obeyLabel = regexp.MustCompile(`^\s*(\pL[\pL ]{2,29}?)\s*:\s*(\S[^:]*)$`)
	obeyBare  = regexp.MustCompile(`^(\pL+)\s+(\S+)$`)
	obeyQuote = regexp.MustCompile(`(?i)\bquote\s+'([^']+)'`)
	clauses   = regexp.MustCompile(`(?i)[,;.\n]|\b(?:and|und|y|et|e)\b|:`)
	forwarded = regexp.MustCompile(`(?i)^\s*-{2,}.*(?:forward|weitergeleitet|reenviado|encaminhada|transf[ée]r[ée]|inoltrato|doorgestuurd)`)
	fence     = regexp.MustCompile(`(?s)<<<DATA \S+\n(.*)DATA \S+>>>`)
	filler    = regexp.MustCompile(`(?i)^\s*(?:also|please|now|merci de|bitte|por favor)\s+`)
)

// fieldOf maps the words an instruction names a field with to the field.
var fieldOf = map[string]string{
	"priority": "priority", "category": "category", "product": "product",
	"serial": "serial_number", "serial number": "serial_number", "serial_number": "serial_number",
	"order number": "order_number", "order_number": "order_number", "contact": "contact",
	"refund_amount": "refund_amount", "refund amount": "refund_amount",
	"prioridad": "priority", "priorität": "priority", "prioridade": "priority", "priorité": "priority", "priorità": "priority", "prioriteit": "priority",
	"categoría": "category", "kategorie": "category", "categoria": "category", "catégorie": "category", "categorie": "category",
	"número de serie": "serial_number", "seriennummer": "serial_number", "número de série": "serial_number", "numéro de série": "serial_number",
	"numero di serie": "serial_number", "serienummer": "serial_number",
}

// obey returns what a model that does whatever the text says would
// answer: every field an instruction names, with the instruction's value,
// full confidence, and as evidence the planted quote or the instruction
// itself. It answers nothing else.
func obey(text string) (vals map[string]any, conf map[string]float64, ev map[string][]string) {
	vals, conf, ev = map[string]any{}, map[string]float64{}, map[string][]string{}
	quote := ""
	if m := obeyQuote.FindStringSubmatch(text); m != nil {
		quote = m[1]
	}
	put := func(name, value, clause string) {
		field, ok := fieldOf[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			return
		}
		value = strings.TrimSpace(value)
		if strings.HasPrefix(value, "'") || value == "" {
			return
		}
		vals[field], conf[field] = value, 1
		if quote != "" {
			ev[field] = []string{quote}
		} else {
			ev[field] = []string{strings.TrimSpace(clause)}
		}
	}
	for _, m := range obeyPair.FindAllStringSubmatch(text, -1) {
		put(m[1], m[2], m[0])
	}
	third := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimLeft(line, "> ")
		third = third || forwarded.MatchString(line)
		// A label line of a forwarded message is a fact to this model.
		if m := obeyLabel.FindStringSubmatch(line); m != nil && third {
			put(m[1], strings.TrimSpace(m[2]), line)
		}
		for _, cl := range clauses.Split(line, -1) {
			cl = filler.ReplaceAllString(strings.TrimSpace(cl), "")
			if m := obeySet.FindStringSubmatch(cl); m != nil {
				put(m[1], m[2], cl)
			} else if m := obeyBare.FindStringSubmatch(cl); m != nil && (fieldOf[strings.ToLower(m[1])] == "priority" || fieldOf[strings.ToLower(m[1])] == "category") {
				// "category How-to, priority Low" in a list.
				put(m[1], m[2], cl)
			}
		}
	}
	return vals, conf, ev
}

// obedientModel is an OpenAI-compatible fake model that obeys the
// customer text of each request (the fenced data) and records what it
// answered.
type obedientModel struct {
	mu       sync.Mutex
	answered []map[string]any
}

func (o *obedientModel) handle(req *llmfake.Request) llmfake.Reply {
	text := req.User()
	if m := fence.FindStringSubmatch(text); m != nil {
		text = m[1]
	}
	vals, conf, ev := obey(text)
	o.mu.Lock()
	o.answered = append(o.answered, vals)
	o.mu.Unlock()
	b, err := json.Marshal(map[string]any{"values": vals, "confidence": conf, "evidence": ev})
	if err != nil {
		panic(err)
	}
	return llmfake.Reply{Choices: []llmfake.Choice{{ToolArgs: string(b)}}}
}

// obeyed lists the fields the model was told to set, over all requests.
func (o *obedientModel) obeyed() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, vals := range o.answered {
		for k := range vals {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

func injectionScenarios(t *testing.T) []*replay.Scenario {
	t.Helper()
	paths, err := filepath.Glob("testdata/*injection*.scenario.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no injection scenarios in testdata: %v", err)
	}
	if _, err := os.Stat(publicInjection); err == nil {
		paths = append(paths, publicInjection)
	} else {
		t.Logf("public scenario %s not present: replaying the project's own only", publicInjection)
	}
	scs, err := replay.Load(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return scs
}

func helpdesk(t *testing.T) *agent.Config {
	t.Helper()
	cfg, err := agent.LoadConfig("testdata/helpdesk.json")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// failures lists the checks of a scenario that did not hold.
func failures(res *replay.ScenarioResult) []string {
	var out []string
	if res.Error != "" {
		out = append(out, "error: "+res.Error)
	}
	out = append(out, res.Unsupported...)
	for _, e := range res.Expects {
		for _, c := range e.Checks {
			if !c.OK {
				out = append(out, c.What+": step "+strconv.Itoa(e.Step)+": want "+c.Want+", got "+c.Got)
			}
		}
	}
	return out
}

// knownGaps are checks, by scenario, that do not hold yet, each with the
// reason. Each entry must fail; when it holds, the test says to remove
// it. There are none: every check of every scenario is asserted.
var knownGaps = map[string]map[string]string{}

// TestInjectedInstructionsEndToEnd replays emails that carry instructions
// for the model through the agent, with a model that obeys every one of
// them, chained before the offline predictor: the cases end with the
// values a careful person records, because the email channel leaves out
// text a reader does not see, the llm predictor's guards drop what the
// model was told to say (even with genuine sentences as evidence), and
// the offline predictor fills the fields from the facts, reading no
// instruction as one.
func TestInjectedInstructionsEndToEnd(t *testing.T) {
	cfg := helpdesk(t)
	offline, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range injectionScenarios(t) {
		t.Run(sc.ID, func(t *testing.T) {
			model := &obedientModel{}
			srv := llmfake.NewOpenAI(t, model.handle)
			client, err := openai.New(openai.WithToken("test-key"), openai.WithBaseURL(srv.URL),
				openai.WithModel("obedient"), openai.WithHTTPClient(llm.HTTPClient(nil, 1<<20)))
			if err != nil {
				t.Fatal(err)
			}
			guarded, err := llm.New(client, llm.WithModelName("obedient"))
			if err != nil {
				t.Fatal(err)
			}
			r := &replay.Runner{Config: cfg, Predictor: predict.Chain(guarded, offline)}
			res := r.RunScenario(context.Background(), sc)
			gaps := knownGaps[sc.ID]
			seen := map[string]bool{}
			for _, f := range failures(res) {
				what, _, _ := strings.Cut(f, ": ")
				if why, ok := gaps[what]; ok {
					seen[what] = true
					t.Logf("known gap, %s (%s)", f, why)
					continue
				}
				t.Errorf("%s", f)
			}
			for what := range gaps {
				if !seen[what] {
					t.Errorf("%s now holds: remove it from knownGaps", what)
				}
			}
			// The model was asked, and did what the email told it to,
			// unless the channel already left the instructions out (text
			// of HTML a reader does not see).
			if srv.Calls() == 0 {
				t.Fatal("the model was never asked")
			}
			if len(model.obeyed()) == 0 {
				if len(rawInstructions(sc)) == 0 {
					t.Errorf("the model found no instruction to obey: the scenario tests nothing")
				} else {
					t.Logf("the channel left out the instructions for %v before the model saw them", rawInstructions(sc))
				}
			}
			t.Logf("model calls %d, fields it was told to set: %v", srv.Calls(), model.obeyed())
		})
	}
}

// rawInstructions lists the fields the raw emails of a scenario tell a
// model to set, before any channel reads them.
func rawInstructions(sc *replay.Scenario) []string {
	var out []string
	for _, st := range sc.Steps {
		vals, _, _ := obey(st.Email)
		for k := range vals {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestInjectedInstructionsWithoutGuards is the control: the same obedient
// answers handed to the agent without the llm predictor's guards change
// the outcome of every scenario, so the scenarios carry live injections.
// Scenarios whose instructions the channel leaves out (hidden HTML)
// reach no predictor with them: they must pass even unguarded.
func TestInjectedInstructionsWithoutGuards(t *testing.T) {
	cfg := helpdesk(t)
	offline, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	unguarded := predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
		var text strings.Builder
		for _, m := range req.Messages {
			text.WriteString(m.Text + "\n" + m.Quoted + "\n")
		}
		vals, conf, ev := obey(text.String())
		res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "unguarded"}
		for _, f := range req.Fields {
			v, ok := vals[f.Name]
			if !ok {
				continue
			}
			p := predict.Prediction{Value: v, Confidence: conf[f.Name]}
			for _, q := range ev[f.Name] {
				p.Evidence = append(p.Evidence, predict.Evidence{Quote: q})
			}
			res.Predictions[f.Name] = p
		}
		return res, nil
	})
	for _, sc := range injectionScenarios(t) {
		t.Run(sc.ID, func(t *testing.T) {
			var mu sync.Mutex
			seen := 0
			counting := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
				res, err := unguarded.Predict(ctx, req)
				if err == nil {
					mu.Lock()
					seen += len(res.Predictions)
					mu.Unlock()
				}
				return res, err
			})
			r := &replay.Runner{Config: cfg, Predictor: predict.Chain(counting, offline)}
			res := r.RunScenario(context.Background(), sc)
			if seen == 0 {
				if len(rawInstructions(sc)) == 0 {
					t.Fatalf("no instruction in the emails: the scenario tests nothing")
				}
				if !res.Passed {
					t.Errorf("the channel left out the instructions, yet:\n  %s", strings.Join(failures(res), "\n  "))
				}
				t.Logf("the channel left out the instructions for %v", rawInstructions(sc))
				return
			}
			if res.Passed {
				t.Errorf("passed without the guards: the injections change nothing even unguarded")
			}
			t.Logf("without guards:\n  %s", strings.Join(failures(res), "\n  "))
		})
	}
}
