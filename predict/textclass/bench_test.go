package textclass

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/internal/cputime"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// synthetic returns n labelled texts of about twelve words over k labels:
// each label has its own forty words, and every text mixes some of them
// with words common to all labels, as support requests do.
func synthetic(n, k int, seed uint64) []Example {
	rng := rand.New(rand.NewPCG(seed, 1))
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		b := make([]byte, 3+rng.IntN(7))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	common := make([]string, 2000)
	for i := range common {
		common[i] = word()
	}
	own := make([][]string, k)
	labels := make([]string, k)
	for c := range own {
		labels[c] = "label_" + word()
		for range 40 {
			own[c] = append(own[c], word())
		}
	}
	out := make([]Example, n)
	for i := range out {
		c := i % k
		var w []string
		for range 12 {
			if rng.IntN(3) == 0 {
				w = append(w, own[c][rng.IntN(40)])
			} else {
				w = append(w, common[rng.IntN(len(common))])
			}
		}
		out[i] = Example{Text: strings.Join(w, " "), Label: labels[c]}
	}
	return out
}

// BenchmarkTrain10k trains on 10,000 examples of 30 labels with the
// default settings (a held-out fit and the final fit, which run at once
// when there are two cores). It reports the CPU time per training, which
// is the time on one core: run with -cpu 1 to see it as wall time too.
// The target is under 5 CPU-seconds.
func BenchmarkTrain10k(b *testing.B) {
	ex := synthetic(10000, 30, 1)
	b.ResetTimer()
	start := cputime.Used()
	for b.Loop() {
		if _, err := Train(context.Background(), ex); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cputime.Used() - start; cpu > 0 {
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
}

func text1KB(seed uint64) string {
	ex := synthetic(200, 30, seed)
	var s strings.Builder
	for _, e := range ex {
		if s.Len()+len(e.Text) > 1024 {
			break
		}
		s.WriteString(e.Text)
		s.WriteString(". ")
	}
	return s.String()
}

func benchClassify(b *testing.B, labels int) {
	m, err := Train(context.Background(), synthetic(3000, labels, 1), WithHoldOut(0))
	if err != nil {
		b.Fatal(err)
	}
	text := text1KB(1)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.Classify(text)
	}
}

// BenchmarkClassify1KB classifies a 1 KB text with a model of 8 labels
// (a typical choice field) and of 77 labels.
func BenchmarkClassify1KB(b *testing.B) {
	b.Run("labels=8", func(b *testing.B) { benchClassify(b, 8) })
	b.Run("labels=77", func(b *testing.B) { benchClassify(b, 77) })
}

func BenchmarkClassifyParallel1KB(b *testing.B) {
	m, err := Train(context.Background(), synthetic(3000, 8, 1), WithHoldOut(0))
	if err != nil {
		b.Fatal(err)
	}
	text := text1KB(1)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Classify(text)
		}
	})
}

// BenchmarkPredictor1KB predicts a choice field of 8 options from a
// conversation whose customer text is 1 KB, evidence included.
func BenchmarkPredictor1KB(b *testing.B) {
	ex := synthetic(3000, 8, 1)
	m, err := Train(context.Background(), ex, WithHoldOut(0))
	if err != nil {
		b.Fatal(err)
	}
	f := predict.Field{Name: "category", Type: predict.TypeChoice}
	for _, l := range m.Labels() {
		f.Options = append(f.Options, predict.Option{Value: l})
	}
	text := text1KB(1)
	half := len(text) / 2
	req := &predict.Request{
		Fields: []predict.Field{f},
		Messages: []channel.Message{
			{ID: "1", Role: channel.RoleCustomer, Subject: "help", Text: text[:half]},
			{ID: "2", Role: channel.RoleRepresentative, Text: "Could you tell us more?"},
			{ID: "3", Role: channel.RoleCustomer, Text: text[half:]},
		},
	}
	p := NewPredictor(map[string]*Model{"category": m})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Predict(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
