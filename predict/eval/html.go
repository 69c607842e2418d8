package eval

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// WriteHTML writes the report as one self-contained HTML page (no scripts,
// no external files) with a reliability chart per field drawn in SVG.
func (r *Report) WriteHTML(w io.Writer) error {
	type fieldView struct {
		FieldReport
		Chart template.HTML
		Curve template.HTML
	}
	v := struct {
		*Report
		Views []fieldView
	}{Report: r}
	for _, f := range r.Fields {
		var points []CurvePoint
		for _, p := range r.LearningCurve {
			if p.Field == f.Field {
				points = append(points, p)
			}
		}
		v.Views = append(v.Views, fieldView{FieldReport: f, Chart: reliabilitySVG(f), Curve: curveSVG(f.Field, points)})
	}
	t, err := pageTemplate()
	if err != nil {
		return err
	}
	return t.Execute(w, v)
}

// reliabilitySVG draws accuracy against confidence per bin: a bar per
// bin up to its accuracy, shaded by how many answers it holds, a dot at
// its mean confidence, and the diagonal a calibrated predictor follows.
func reliabilitySVG(f FieldReport) template.HTML {
	const (
		size   = 240.0
		left   = 40.0
		top    = 10.0
		bottom = 36.0
	)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" role="img" aria-label="reliability chart of %s">`,
		left+size+10, top+size+bottom, template.HTMLEscapeString(f.Field))
	x := func(c float64) float64 { return left + c*size }
	y := func(a float64) float64 { return top + (1-a)*size }
	fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#fafafa" stroke="#999"/>`, left, top, size, size)
	most := 1
	for _, bin := range f.Reliability {
		most = max(most, bin.Count)
	}
	for _, bin := range f.Reliability {
		if bin.Count == 0 {
			continue
		}
		opacity := 0.25 + 0.75*float64(bin.Count)/float64(most)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#3b6fb6" fill-opacity="%.2f"><title>%.2f–%.2f: %d answers, mean confidence %.3f, accuracy %.3f</title></rect>`,
			x(bin.Low)+1, y(bin.Accuracy), (bin.High-bin.Low)*size-2, bin.Accuracy*size, opacity, bin.Low, bin.High, bin.Count, bin.Confidence, bin.Accuracy)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#c0392b"/>`, x(bin.Confidence), y(bin.Accuracy))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#555" stroke-dasharray="4 3"/>`, x(0), y(0), x(1), y(1))
	for i := 0; i <= 4; i++ {
		t := float64(i) / 4
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%.2f</text>`, x(t), top+size+12, t)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="end">%.2f</text>`, left-4, y(t)+3, t)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">confidence</text>`, x(0.5), top+size+28)
	fmt.Fprintf(&b, `<text x="12" y="%.1f" font-size="11" text-anchor="middle" transform="rotate(-90 12 %.1f)">accuracy</text>`, y(0.5), y(0.5))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// curveSVG draws accuracy and macro-F1 against the number of training
// records on a logarithmic scale, with a mark at 400 records (the history
// hosted helpdesks ask for before they train a classifier). It is empty
// without points.
func curveSVG(field string, points []CurvePoint) template.HTML {
	if len(points) == 0 {
		return ""
	}
	const (
		width  = 360.0
		height = 240.0
		left   = 40.0
		top    = 10.0
		bottom = 36.0
	)
	lo, hi := float64(points[0].Examples), float64(points[0].Examples)
	for _, p := range points {
		lo = min(lo, float64(p.Examples))
		hi = max(hi, float64(p.Examples))
	}
	lo = min(lo, 400)
	hi = max(hi, 400, lo*2)
	x := func(n float64) float64 { return left + width*(math.Log(n)-math.Log(lo))/(math.Log(hi)-math.Log(lo)) }
	y := func(a float64) float64 { return top + (1-a)*height }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" role="img" aria-label="learning curve of %s">`,
		left+width+28, top+height+bottom, template.HTMLEscapeString(field))
	fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#fafafa" stroke="#999"/>`, left, top, width, height)
	for i := 0; i <= 4; i++ {
		t := float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e4e4e4"/>`, left, y(t), left+width, y(t))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="end">%.2f</text>`, left-4, y(t)+3, t)
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888" stroke-dasharray="4 3"/>`, x(400), top, x(400), top+height)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" fill="#666">400</text>`, x(400)+3, top+12)
	series := []struct {
		color string
		value func(CurvePoint) float64
		name  string
	}{
		{"#3b6fb6", func(p CurvePoint) float64 { return p.Accuracy }, "accuracy"},
		{"#d35400", func(p CurvePoint) float64 { return p.MacroF1 }, "macro-F1"},
	}
	for _, s := range series {
		b.WriteString(`<polyline fill="none" stroke="` + s.color + `" stroke-width="2" points="`)
		for i, p := range points {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%.1f,%.1f", x(float64(p.Examples)), y(s.value(p)))
		}
		b.WriteString(`"/>`)
		for _, p := range points {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%d records: %s %.3f</title></circle>`,
				x(float64(p.Examples)), y(s.value(p)), s.color, p.Examples, s.name, s.value(p))
		}
	}
	for _, p := range points {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%d</text>`, x(float64(p.Examples)), top+height+12, p.Examples)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">training records (log scale)</text>`, left+width/2, top+height+28)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#3b6fb6">accuracy</text>`, left+8, y(0.08))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#d35400">macro-F1</text>`, left+70, y(0.08))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// pageTemplate parses the page's template (on every call: it is cheap
// next to an evaluation, and keeps the package free of globals).
func pageTemplate() (*template.Template, error) {
	return template.New("report").Funcs(template.FuncMap{
		"f3":  func(x float64) string { return fmt.Sprintf("%.3f", x) },
		"f4":  func(x float64) string { return fmt.Sprintf("%.4f", x) },
		"f2":  func(x float64) string { return fmt.Sprintf("%.2f", x) },
		"pct": func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) },
		"none": func(s string) string {
			if s == "" {
				return "(no answer)"
			}
			return s
		},
	}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Evaluation{{if .Predictor}} of {{.Predictor}}{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{padding:.2em .7em;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.row{display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start}
.small{color:#666;font-size:.9em}
</style></head><body>
<h1>Evaluation{{if .Predictor}} of {{.Predictor}}{{end}}</h1>
<p>{{.Records}} records{{if .Training}}, trained on {{.Training}}{{if .TrainingSeconds}} in {{printf "%.2f" .TrainingSeconds}} s{{end}}{{end}}; confidence threshold {{f2 .Threshold}}; {{printf "%.2f" .Seconds}} s.
{{if .Errors}}<br>The predictor failed on {{.Errors}} records; first: {{.FirstError}}{{end}}</p>
{{if .Comparison}}<h2>Compared over training seeds</h2>
<table><tr><th>predictor</th><th>field</th><th>seeds</th><th>accuracy (mean)</th><th>smallest–largest</th><th>macro-F1 (mean)</th><th>smallest–largest</th><th>calibration error</th><th>training</th></tr>
{{range .Comparison}}<tr><td>{{.Predictor}}</td><td>{{.Field}}</td><td class="n">{{len .Seeds}}</td><td class="n">{{f4 .Accuracy.Mean}}</td><td class="n">{{f4 .Accuracy.Min}}–{{f4 .Accuracy.Max}}</td><td class="n">{{f4 .MacroF1.Mean}}</td><td class="n">{{f4 .MacroF1.Min}}–{{f4 .MacroF1.Max}}</td><td class="n">{{f3 .CalibrationError.Mean}}</td><td class="n">{{printf "%.2f" .TrainingSeconds}} s</td></tr>
{{end}}</table>{{end}}
{{range .Views}}
<h2>{{.Field}}</h2>
<div class="row"><table>
<tr><th>accuracy</th><td class="n">{{f3 .Accuracy}}</td><td class="small">{{.Correct}} of {{.Records}}</td></tr>
<tr><th>macro-F1</th><td class="n">{{f3 .MacroF1}}</td><td class="small">{{len .Classes}} labels</td></tr>
<tr><th>answered</th><td class="n">{{pct .Answer}}</td><td class="small">accuracy when answered {{f3 .AnsweredAccuracy}}</td></tr>
<tr><th>coverage at {{f2 .Threshold}}</th><td class="n">{{pct .Coverage}}</td><td class="small">accuracy {{f3 .AccuracyAtThreshold}}</td></tr>
<tr><th>calibration error</th><td class="n">{{f3 .CalibrationError}}</td><td class="small">ECE, {{len .Reliability}} bins</td></tr>
</table>
<figure>{{.Chart}}<figcaption class="small">Bars: accuracy per confidence bin (darker: more answers); dots: mean confidence; dashed: perfect calibration.</figcaption></figure>
{{if .Curve}}<figure>{{.Curve}}<figcaption class="small">Learning curve: accuracy and macro-F1 on the test records against the number of training records; dashed: 400 records.</figcaption></figure>{{end}}</div>
{{if .MostConfused}}<h3>Most confused</h3>
<table><tr><th>count</th><th>expected</th><th>predicted</th></tr>
{{range .MostConfused}}<tr><td class="n">{{.Count}}</td><td>{{.Expected}}</td><td>{{none .Predicted}}</td></tr>
{{end}}</table>{{end}}
<details><summary>Per label</summary>
<table><tr><th>label</th><th>support</th><th>predicted</th><th>precision</th><th>recall</th><th>F1</th></tr>
{{range .Classes}}<tr><td>{{.Label}}</td><td class="n">{{.Support}}</td><td class="n">{{.Predicted}}</td><td class="n">{{f3 .Precision}}</td><td class="n">{{f3 .Recall}}</td><td class="n">{{f3 .F1}}</td></tr>
{{end}}</table></details>
{{end}}
</body></html>
`)
}
