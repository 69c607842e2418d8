package eval

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrData means a data file cannot be used: it is malformed, lacks a
// column, has a record without text or label, or a line too long.
// Reading functions return a *DataError that wraps it.
var ErrData = errors.New("eval: bad data")

// DataError says what is wrong with a data file and where.
type DataError struct {
	// Path is the file, when known.
	Path string
	// Line is the 1-based line the problem is on, 0 for the whole file.
	Line int
	// Reason says what is wrong.
	Reason string
}

func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString("eval: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns ErrData.
func (e *DataError) Unwrap() error { return ErrData }

// DefaultMaxLine is the longest line a data file may have unless Columns
// says otherwise.
const DefaultMaxLine = 1 << 20

// Columns says which columns of a data file hold the text and which the
// expected values.
type Columns struct {
	// Text names the columns (CSV) or keys (JSONL) whose values, joined by
	// a blank line, are what the customer wrote, such as a subject and a
	// body. At least one is required; a record may leave some of them
	// empty but not all.
	Text []string
	// Labels names the columns holding expected field values, one field
	// per column, named after it. At least one is required and no record
	// may leave one empty.
	Labels []string
	// MaxLine is the longest line accepted, in bytes (DefaultMaxLine when
	// 0). A CSV record may span several lines inside quotes; each is
	// limited, and so is the whole record.
	MaxLine int
}

func (c *Columns) check() error {
	if len(c.Text) == 0 {
		return &DataError{Reason: "no text column named"}
	}
	if len(c.Labels) == 0 {
		return &DataError{Reason: "no label column named"}
	}
	seen := map[string]bool{}
	for _, l := range c.Labels {
		if strings.TrimSpace(l) == "" {
			return &DataError{Reason: "a label column name is empty"}
		}
		if seen[l] {
			return &DataError{Reason: fmt.Sprintf("label column %q named twice", l)}
		}
		seen[l] = true
	}
	for _, t := range c.Text {
		if strings.TrimSpace(t) == "" {
			return &DataError{Reason: "a text column name is empty"}
		}
	}
	if c.MaxLine < 0 {
		return &DataError{Reason: "negative line limit"}
	}
	return nil
}

func (c *Columns) maxLine() int {
	if c.MaxLine == 0 {
		return DefaultMaxLine
	}
	return c.MaxLine
}

// Record is one labelled example.
type Record struct {
	// Line is the line of the data file the record starts on.
	Line int `json:"line"`
	// Text is what the customer wrote: the text columns joined.
	Text string `json:"text"`
	// Labels holds the expected value of each label column.
	Labels map[string]string `json:"labels"`
}

// ReadFile reads the records of a CSV or JSONL file: JSONL when the name
// ends in .jsonl, .ndjson or .json, or when the first character that is
// not white space is "{"; CSV otherwise. Errors name the file and line.
func ReadFile(path string, cols Columns) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	jsonl := false
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson", ".json":
		jsonl = true
	case ".csv", ".tsv":
	default:
		head, _ := br.Peek(512)
		head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
		jsonl = len(head) > 0 && head[0] == '{'
	}
	var recs []Record
	if jsonl {
		recs, err = ReadJSONL(br, cols)
	} else {
		recs, err = ReadCSV(br, cols)
	}
	if de, ok := errors.AsType[*DataError](err); ok {
		de.Path = path
	}
	return recs, err
}

// lineLimiter fails a read once a line grows longer than max bytes, so
// that a file without line breaks cannot exhaust memory.
type lineLimiter struct {
	r    io.Reader
	max  int
	cur  int
	line int
	err  error
}

var errLineTooLong = errors.New("line too long")

func (l *lineLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.cur = 0
			l.line++
			continue
		}
		l.cur++
		if l.cur > l.max {
			l.err = errLineTooLong
			return i, l.err
		}
	}
	return n, err
}

// ReadCSV reads comma-separated records with a header row naming the
// columns (RFC 4180 quoting; a leading byte order mark is ignored).
func ReadCSV(r io.Reader, cols Columns) ([]Record, error) {
	if err := cols.check(); err != nil {
		return nil, err
	}
	lim := &lineLimiter{r: r, max: cols.maxLine()}
	cr := csv.NewReader(lim)
	cr.ReuseRecord = false
	tooLong := func() error {
		return &DataError{Line: lim.line + 1, Reason: fmt.Sprintf("line longer than %d bytes", lim.max)}
	}
	wrap := func(err error) error {
		if errors.Is(err, errLineTooLong) {
			return tooLong()
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			return &DataError{Line: pe.Line, Reason: "malformed CSV: " + pe.Err.Error()}
		}
		return err
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &DataError{Reason: "empty file: no header row"}
	}
	if err != nil {
		return nil, wrap(err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	index := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := index[h]; !dup {
			index[h] = i
		}
	}
	find := func(name string) (int, error) {
		if i, ok := index[name]; ok {
			return i, nil
		}
		return 0, &DataError{Line: 1, Reason: fmt.Sprintf("no column %q; the header has %s", name, quoteList(header))}
	}
	textIdx := make([]int, len(cols.Text))
	for i, name := range cols.Text {
		if textIdx[i], err = find(name); err != nil {
			return nil, err
		}
	}
	labelIdx := make([]int, len(cols.Labels))
	for i, name := range cols.Labels {
		if labelIdx[i], err = find(name); err != nil {
			return nil, err
		}
	}
	var out []Record
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, wrap(err)
		}
		line, _ := cr.FieldPos(0)
		size := 0
		for _, f := range rec {
			size += len(f)
		}
		if size > lim.max {
			return nil, &DataError{Line: line, Reason: fmt.Sprintf("record longer than %d bytes", lim.max)}
		}
		texts := make([]string, len(textIdx))
		for i, j := range textIdx {
			texts[i] = rec[j]
		}
		labels := make([]string, len(labelIdx))
		for i, j := range labelIdx {
			labels[i] = rec[j]
		}
		r, err := makeRecord(line, cols, texts, labels)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, &DataError{Reason: "no records after the header"}
	}
	return out, nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) > 20 {
		q = append(q[:20], "...")
	}
	return strings.Join(q, ", ")
}

func makeRecord(line int, cols Columns, texts, labels []string) (Record, error) {
	var parts []string
	for _, t := range texts {
		if !utf8.ValidString(t) {
			return Record{}, &DataError{Line: line, Reason: "text is not valid UTF-8"}
		}
		if t = strings.TrimSpace(t); t != "" {
			parts = append(parts, t)
		}
	}
	if len(parts) == 0 {
		return Record{}, &DataError{Line: line, Reason: fmt.Sprintf("no text in %s", quoteList(cols.Text))}
	}
	r := Record{Line: line, Text: strings.Join(parts, "\n\n"), Labels: make(map[string]string, len(labels))}
	for i, l := range labels {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
			return Record{}, &DataError{Line: line, Reason: fmt.Sprintf("empty label in column %q", cols.Labels[i])}
		case !utf8.ValidString(l):
			return Record{}, &DataError{Line: line, Reason: fmt.Sprintf("label in column %q is not valid UTF-8", cols.Labels[i])}
		case len(l) > 1024:
			return Record{}, &DataError{Line: line, Reason: fmt.Sprintf("label in column %q is longer than 1024 bytes", cols.Labels[i])}
		}
		r.Labels[cols.Labels[i]] = l
	}
	return r, nil
}

// ReadJSONL reads one JSON object per line. Text values must be strings
// (or null, read as empty); label values may be strings, numbers or
// booleans. Blank lines are skipped.
func ReadJSONL(r io.Reader, cols Columns) ([]Record, error) {
	if err := cols.check(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(r)
	max := cols.maxLine()
	sc.Buffer(make([]byte, 0, min(max, 64<<10)), max+1)
	var out []Record
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\ufeff"))
		}
		if len(b) == 0 {
			continue
		}
		if len(sc.Bytes()) > max {
			return nil, &DataError{Line: line, Reason: fmt.Sprintf("line longer than %d bytes", max)}
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, &DataError{Line: line, Reason: "not a JSON object: " + err.Error()}
		}
		value := func(name string, label bool) (string, error) {
			raw, ok := obj[name]
			if !ok {
				return "", &DataError{Line: line, Reason: fmt.Sprintf("no key %q; the object has %s", name, quoteList(slices.Sorted(maps.Keys(obj))))}
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return "", &DataError{Line: line, Reason: fmt.Sprintf("key %q: %v", name, err)}
			}
			switch v := v.(type) {
			case nil:
				return "", nil
			case string:
				return v, nil
			case float64, bool:
				if label {
					return strings.TrimSpace(string(raw)), nil
				}
			}
			what := "a string"
			if label {
				what = "a string, number or boolean"
			}
			return "", &DataError{Line: line, Reason: fmt.Sprintf("key %q must be %s", name, what)}
		}
		texts := make([]string, len(cols.Text))
		for i, name := range cols.Text {
			t, err := value(name, false)
			if err != nil {
				return nil, err
			}
			texts[i] = t
		}
		labels := make([]string, len(cols.Labels))
		for i, name := range cols.Labels {
			l, err := value(name, true)
			if err != nil {
				return nil, err
			}
			labels[i] = l
		}
		rec, err := makeRecord(line, cols, texts, labels)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &DataError{Line: line + 1, Reason: fmt.Sprintf("line longer than %d bytes", max)}
		}
		return nil, err
	}
	if len(out) == 0 {
		return nil, &DataError{Reason: "no records"}
	}
	return out, nil
}
