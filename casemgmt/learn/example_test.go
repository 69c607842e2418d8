package learn_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/learn"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/predict"
)

// A tenant's resolved cases train its classifier; the registry keeps it
// when it measures at least as well as the one in use, and the agent
// predicts with it where it is confident and with the default elsewhere.
func Example() {
	ctx := context.Background()
	schema, err := casemgmt.NewSchema([]casemgmt.Field{
		{Field: predict.Field{Name: "description", Type: predict.TypeText, Multiline: true}},
		{Field: predict.Field{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{
			{Value: "billing", Examples: []string{"I was charged twice"}},
			{Value: "shipping", Examples: []string{"my parcel has not arrived"}},
		}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	st := memstore.New()
	rep := casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-1"}
	texts := map[string][]string{
		"billing":  {"the invoice shows a fee twice", "refund the extra charge on my card", "why was my card debited again", "wrong amount on my bill"},
		"shipping": {"the courier never came", "tracking shows no movement", "the delivery is a week late", "parcel left at the wrong door"},
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		cat := []string{"billing", "shipping"}[i%2]
		text := texts[cat][i/2%4]
		c := &casemgmt.Case{Title: "Help", Status: casemgmt.StatusClosed,
			Fields:     casemgmt.Values{"description": text, "category": cat},
			Provenance: map[string]casemgmt.Provenance{"category": {Actor: rep}}}
		if err := st.CreateCase(ctx, c, casemgmt.Write{Time: start.Add(time.Duration(i) * time.Hour),
			Audit: []casemgmt.AuditEntry{{Field: "category", New: cat, Actor: rep}}}); err != nil {
			log.Fatal(err)
		}
	}
	res, err := learn.Train(ctx, st, schema)
	if err != nil {
		log.Fatal(err)
	}
	fr, _ := res.Report.Field("category")
	fmt.Printf("trained on %d older cases, tested on %d newer: accuracy %.2f\n", len(res.Train), len(res.Test), fr.Accuracy)

	reg, err := learn.NewRegistry(st)
	if err != nil {
		log.Fatal(err)
	}
	d, err := reg.Offer(ctx, res)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("version %d promoted: %v (%s)\n", d.Version, d.Promoted, d.Reason)
	// Output:
	// trained on 32 older cases, tested on 8 newer: accuracy 1.00
	// version 1 promoted: true (no champion yet)
}
