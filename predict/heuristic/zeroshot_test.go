package heuristic

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// corporaDir returns where the third-party labelled corpora are: beside
// the module (../shared/corpora), or beside the folder that holds it.
// Tests that read them skip when they are absent.
func corporaDir() string {
	for _, d := range []string{
		filepath.Join("..", "..", "..", "shared", "corpora"),
		filepath.Join("..", "..", "..", "..", "shared", "corpora"),
	} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return filepath.Join("..", "..", "..", "shared", "corpora")
}

type labelled struct{ text, label string }

func readIntentCSV(t *testing.T, path, textCol, labelCol string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("corpus %s is absent", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	ti, li := -1, -1
	for i, h := range head {
		switch h {
		case textCol:
			ti = i
		case labelCol:
			li = i
		}
	}
	if ti < 0 || li < 0 {
		t.Fatalf("%s: no columns %s and %s in %v", path, textCol, labelCol, head)
	}
	var out []labelled
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, labelled{rec[ti], rec[li]})
	}
	return out
}

func zeroShotField(t *testing.T, file string, withDescriptions bool) predict.Field {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "zeroshot", file))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Options []predict.Option `json:"options"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	f := predict.Field{Name: "intent", Type: predict.TypeChoice, Description: "What the customer wants."}
	for _, o := range v.Options {
		if !withDescriptions {
			o.Description = ""
		}
		f.Options = append(f.Options, o)
	}
	return f
}

// zeroShotFigures are coverage (answers at or above the threshold, of all
// queries) and precision (right answers of those).
type zeroShotFigures struct {
	n, answered, right int
	// conf and ok are every answer's confidence and whether it was right,
	// below the threshold too.
	conf []float64
	ok   []bool
}

func (z zeroShotFigures) coverage() float64  { return float64(z.answered) / float64(max(z.n, 1)) }
func (z zeroShotFigures) precision() float64 { return float64(z.right) / float64(max(z.answered, 1)) }

func measureZeroShot(t *testing.T, p *Predictor, f predict.Field, items []labelled, threshold float64) zeroShotFigures {
	t.Helper()
	var z zeroShotFigures
	for _, it := range items {
		req := &predict.Request{Fields: []predict.Field{f}, Messages: []channel.Message{{
			ID: "m1", Kind: channel.KindChat, Role: channel.RoleCustomer, Direction: channel.Inbound, Text: it.text,
		}}}
		res, err := p.Predict(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		z.n++
		pr, ok := res.Predictions["intent"]
		if ok {
			z.conf = append(z.conf, pr.Confidence)
			z.ok = append(z.ok, strings.EqualFold(pr.Value.(string), it.label))
		}
		if !ok || pr.Confidence < threshold {
			continue
		}
		z.answered++
		if strings.EqualFold(pr.Value.(string), it.label) {
			z.right++
		}
	}
	return z
}

// TestZeroShotIntents measures categories on schemas the predictor has
// never seen: the banking77 and Bitext intents, as options described from
// their names alone (testdata/zeroshot), against the corpora's labelled
// queries, at the default threshold of 0.5. It reports coverage and
// precision with the descriptions and with the bare intent names, and
// requires the descriptions to widen coverage without losing precision.
func TestZeroShotIntents(t *testing.T) {
	const threshold = 0.5
	corpora := []struct {
		name, file, csv, textCol, labelCol string
	}{
		{"banking77", "banking77.json", filepath.Join(corporaDir(), "intents-banking77", "test.csv"), "text", "category"},
		{"bitext", "bitext.json", filepath.Join(corporaDir(), "intents-bitext", "bitext_customer_service_sample_stratified.csv"), "utterance", "intent"},
	}
	p := newPredictor(t)
	for _, c := range corpora {
		t.Run(c.name, func(t *testing.T) {
			items := readIntentCSV(t, c.csv, c.textCol, c.labelCol)
			bare := measureZeroShot(t, p, zeroShotField(t, c.file, false), items, threshold)
			desc := measureZeroShot(t, p, zeroShotField(t, c.file, true), items, threshold)
			t.Logf("%s, %d queries: bare names: coverage %.1f%%, precision %.1f%%; described: coverage %.1f%%, precision %.1f%%",
				c.name, desc.n, 100*bare.coverage(), 100*bare.precision(), 100*desc.coverage(), 100*desc.precision())
			high, highRight := 0, 0
			for i, c := range desc.conf {
				if c >= 0.8 {
					high++
					if desc.ok[i] {
						highRight++
					}
				}
			}
			t.Logf("%s described: expected calibration error %.3f over %d answers; at 0.8: coverage %.1f%%, precision %.1f%%",
				c.name, expectedCalibrationError(desc.conf, desc.ok), len(desc.conf),
				100*float64(high)/float64(desc.n), 100*float64(highRight)/float64(max(high, 1)))
			if desc.coverage() <= bare.coverage() {
				t.Errorf("descriptions do not widen coverage: %.3f, bare %.3f", desc.coverage(), bare.coverage())
			}
		})
	}
}
