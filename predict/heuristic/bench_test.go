package heuristic

import (
	"context"
	"testing"

	"github.com/caseagent/caseagent/internal/cputime"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// benchConversation is a chat of about 1 KB.
func benchConversation() []channel.Message {
	return chat(
		"Hi there, this is Ana Lima. My Sweep R9 robot vacuum keeps restarting in the middle of every cleaning run since the last update, and yesterday it stopped charging on the dock.",
		"R: Sorry to hear that, Ana. Which firmware version does the app show, and is the dock light on?",
		"The app says 4.2.1 and the dock light is white. I already cleaned the charging contacts and moved the dock to another socket, no change. It worked fine for a year before this.",
		"R: Thanks. Could you read me the serial number from the sticker under the dust bin?",
		"sure, one sec... it's rb-2048117. Oh and my order number was #A31337 if you need it. Phone is +1 415 555 0101 in case you want to call.",
		"R: Got it, I'll open a case for the hardware team.",
		"Great, thanks a lot. It's quite annoying because the floors get really dirty with the dog around, so please hurry.",
	)
}

// BenchmarkPredict measures one prediction of every field of the test
// tenant's schema (the shape of a helpdesk schema: title, description,
// contact, a category, a product lookup, a priority, two identifiers, an
// email and more) from a 1 KB chat, with a directory to resolve the
// contact.
func BenchmarkPredict(b *testing.B) {
	tt := loadTenant(b)
	p := newPredictor(b)
	req := &predict.Request{Fields: tt.Fields, Messages: benchConversation(), Directory: &memDirectory{contacts: tt.Contacts}}
	size := 0
	for _, m := range req.Messages {
		size += len(m.Text)
	}
	b.SetBytes(int64(size))
	ctx := context.Background()
	b.ReportAllocs()
	start := cputime.Used()
	for b.Loop() {
		if _, err := p.Predict(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	// On a shared machine wall time says little: the process's CPU time
	// per prediction (garbage collection included) is what one core
	// spends.
	if cpu := cputime.Used() - start; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "predictions/cpu-s")
	}
}
