package eval

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadCSV(t *testing.T) {
	in := "\ufeffid,subject,body,category,priority\n" +
		"1,Refund,\"I was charged twice,\nplease refund\",billing,high\n" +
		"2,,Where is my parcel?,shipping,low\n"
	got, err := ReadCSV(strings.NewReader(in), Columns{Text: []string{"subject", "body"}, Labels: []string{"category", "priority"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Line: 2, Text: "Refund\n\nI was charged twice,\nplease refund", Labels: map[string]string{"category": "billing", "priority": "high"}},
		{Line: 4, Text: "Where is my parcel?", Labels: map[string]string{"category": "shipping", "priority": "low"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadCSV (-want +got):\n%s", diff)
	}
}

func TestReadJSONL(t *testing.T) {
	in := `{"body":"I was charged twice","category":"billing","urgent":true}

{"body":"Where is my parcel?","category":"shipping","urgent":false,"extra":[1]}
`
	got, err := ReadJSONL(strings.NewReader(in), Columns{Text: []string{"body"}, Labels: []string{"category", "urgent"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Line: 1, Text: "I was charged twice", Labels: map[string]string{"category": "billing", "urgent": "true"}},
		{Line: 3, Text: "Where is my parcel?", Labels: map[string]string{"category": "shipping", "urgent": "false"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadJSONL (-want +got):\n%s", diff)
	}
}

func TestReadErrors(t *testing.T) {
	cols := Columns{Text: []string{"body"}, Labels: []string{"category"}, MaxLine: 200}
	long := strings.Repeat("x", 300)
	tests := []struct {
		name   string
		csv    bool
		in     string
		cols   *Columns
		line   int
		reason string
	}{
		{"empty CSV", true, "", nil, 0, "no header row"},
		{"header only", true, "body,category\n", nil, 0, "no records"},
		{"missing column", true, "text,category\nhello,a\n", nil, 1, `no column "body"`},
		{"missing label column", true, "body,label\nhello,a\n", nil, 1, `no column "category"`},
		{"bare quote", true, "body,category\nhel\"lo,a\nok,b\n", nil, 2, "malformed CSV"},
		{"unterminated quote", true, "body,category\nok,a\n\"never closed,b\n", nil, 3, "malformed CSV"},
		{"wrong field count", true, "body,category\nok,a\nok,b,c\n", nil, 3, "malformed CSV"},
		{"empty label", true, "body,category\nok,a\nok, \n", nil, 3, `empty label in column "category"`},
		{"empty text", true, "body,category\nok,a\n,b\n", nil, 3, `no text in "body"`},
		{"huge line", true, "body,category\nok,a\n" + long + ",b\n", nil, 3, "longer than 200 bytes"},
		{"invalid UTF-8", true, "body,category\n\xff\xfe,a\n", nil, 2, "not valid UTF-8"},
		{"no text columns", true, "body,category\nok,a\n", &Columns{Labels: []string{"category"}}, 0, "no text column"},
		{"no label columns", true, "body,category\nok,a\n", &Columns{Text: []string{"body"}}, 0, "no label column"},
		{"label twice", true, "body,category\nok,a\n", &Columns{Text: []string{"body"}, Labels: []string{"category", "category"}}, 0, "named twice"},
		{"JSONL not an object", false, `{"body":"ok","category":"a"}` + "\n[1,2]\n", nil, 2, "not a JSON object"},
		{"JSONL broken", false, `{"body":"ok","category":"a"}` + "\n{\"body\":\n", nil, 2, "not a JSON object"},
		{"JSONL missing key", false, `{"body":"ok","category":"a"}` + "\n" + `{"body":"ok"}` + "\n", nil, 2, `no key "category"`},
		{"JSONL text not a string", false, `{"body":3,"category":"a"}`, nil, 1, `"body" must be a string`},
		{"JSONL label an object", false, `{"body":"x","category":{}}`, nil, 1, `"category" must be a string, number or boolean`},
		{"JSONL null label", false, `{"body":"x","category":null}`, nil, 1, "empty label"},
		{"JSONL huge line", false, `{"body":"ok","category":"a"}` + "\n" + `{"body":"` + long + `","category":"a"}`, nil, 2, "longer than 200 bytes"},
		{"JSONL empty", false, "\n\n", nil, 0, "no records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cols
			if tt.cols != nil {
				c = *tt.cols
			}
			var err error
			if tt.csv {
				_, err = ReadCSV(strings.NewReader(tt.in), c)
			} else {
				_, err = ReadJSONL(strings.NewReader(tt.in), c)
			}
			de, ok := errors.AsType[*DataError](err)
			if !ok || !errors.Is(err, ErrData) {
				t.Fatalf("got %v, want a *DataError", err)
			}
			if de.Line != tt.line || !strings.Contains(de.Reason, tt.reason) {
				t.Errorf("got line %d %q, want line %d containing %q", de.Line, de.Reason, tt.line, tt.reason)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.csv":   "body,category\nhello,a\n",
		"b.jsonl": `{"body":"hello","category":"a"}`,
		"c.txt":   ` {"body":"hello","category":"a"}`,
		"d":       "body,category\nhello,a\n",
		"bad.csv": "body,category\nhello,\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cols := Columns{Text: []string{"body"}, Labels: []string{"category"}}
	for _, name := range []string{"a.csv", "b.jsonl", "c.txt", "d"} {
		recs, err := ReadFile(filepath.Join(dir, name), cols)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if diff := cmp.Diff([]Record{{Line: recs[0].Line, Text: "hello", Labels: map[string]string{"category": "a"}}}, recs); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	_, err := ReadFile(filepath.Join(dir, "bad.csv"), cols)
	if want := "eval: " + filepath.Join(dir, "bad.csv") + ": line 2: empty label in column \"category\""; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.csv"), cols); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("body,category\nhello,a\n\"multi\nline\",b\n")
	f.Add("body,category\n\"unterminated,a\n")
	f.Add("\ufeffbody,category,x\nhello,a,1\n")
	cols := Columns{Text: []string{"body"}, Labels: []string{"category"}, MaxLine: 64}
	f.Fuzz(func(t *testing.T, in string) {
		recs, err := ReadCSV(strings.NewReader(in), cols)
		if err != nil {
			if !errors.Is(err, ErrData) {
				t.Fatalf("error %v is not ErrData", err)
			}
			return
		}
		for _, r := range recs {
			if strings.TrimSpace(r.Text) == "" || strings.TrimSpace(r.Labels["category"]) == "" {
				t.Fatalf("record without text or label: %+v", r)
			}
		}
	})
}

func FuzzReadJSONL(f *testing.F) {
	f.Add(`{"body":"hello","category":"a"}` + "\n" + `{"body":"x","category":2}`)
	f.Add(`{"body":null,"category":"a"}`)
	cols := Columns{Text: []string{"body"}, Labels: []string{"category"}, MaxLine: 64}
	f.Fuzz(func(t *testing.T, in string) {
		recs, err := ReadJSONL(strings.NewReader(in), cols)
		if err != nil {
			if !errors.Is(err, ErrData) {
				t.Fatalf("error %v is not ErrData", err)
			}
			return
		}
		for _, r := range recs {
			if strings.TrimSpace(r.Text) == "" || strings.TrimSpace(r.Labels["category"]) == "" {
				t.Fatalf("record without text or label: %+v", r)
			}
		}
	})
}
