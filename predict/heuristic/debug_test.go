package heuristic

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

func TestDebugScores(t *testing.T) {
	text := os.Getenv("HEUR_DEBUG")
	if text == "" {
		t.Skip()
	}
	path := filepath.Join("..", "..", "..", "shared", "scenarios", "helpdesk.json")
	if os.Getenv("HEUR_SCHEMA") != "" {
		path = "testdata/schema.json"
	}
	b, _ := os.ReadFile(path)
	var tenant scenarioTenant
	_ = json.Unmarshal(b, &tenant)
	var msgs []channel.Message
	for _, s := range strings.Split(text, "|") {
		msgs = append(msgs, channel.Message{Role: channel.RoleCustomer, Text: s})
	}
	c := analyze(defaultLexicon(), msgs)
	fmt.Println("bag:", c.bag)
	for _, f := range tenant.Fields {
		if !f.HasOptions() || f.Name == "origin" || f.Name == "channel" {
			continue
		}
		cf := compileChoice(defaultLexicon(), &f)
		sim := cf.similarity(c, make([]bool, len(cf.opts)))
		for i, o := range cf.opts {
			var hits []string
			for _, t := range cf.countCues(c, o.cues, nil) {
				hits = append(hits, fmt.Sprintf("%s:%.2f", t.key, cf.idf[t.key]))
			}
			for _, t := range cf.countCues(c, o.negCues, nil) {
				hits = append(hits, "-"+t.key)
			}
			fmt.Printf("%s %-16s %.2f %v\n", f.Name, o.value, sim[i], hits)
		}
		for _, m := range cf.mentions(c) {
			fmt.Printf("  mention %s %+v\n", cf.opts[m.opt].value, m)
		}
		r, ok := cf.predict(c, nil, 0.35)
		if ok {
			fmt.Println(" =>", f.Options[r.opt].Value, r.conf)
		}
	}
	_ = predict.Check
}
