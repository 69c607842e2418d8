package insights

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteHTML writes the report as one self-contained HTML page: inline
// CSS and SVG charts, no script, no font, image or style sheet from
// elsewhere, and a Content-Security-Policy that forbids the page any
// network access. It opens from a file, an email attachment or an
// internal page alike.
func (r *Report) WriteHTML(w io.Writer) error {
	v, err := r.view()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return fmt.Errorf("insights: rendering: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

type card struct {
	ID, Label, Value, Note string
	// Tone names a CSS class ("good", "warn") or is empty.
	Tone string
}

type legendItem struct{ Name, Color string }

type figure struct {
	ID, Title, Caption string
	Legend             []legendItem
	Chart              template.HTML
	Wide               bool
	// Table holds the chart's numbers, for screen readers and for
	// copying; nil when the chart has none.
	Table *dataTable
}

type dataTable struct {
	Head []string
	Rows [][]string
}

// numbers returns the chart's values as a table: a row per category
// with a value, a column per series.
func (c *barChart) numbers() *dataTable {
	t := &dataTable{Head: []string{c.XTitle}}
	for _, s := range c.Series {
		t.Head = append(t.Head, s.Name)
	}
	for i, l := range c.XLabels {
		if i < len(c.XTips) {
			l = c.XTips[i]
		}
		row, nonzero := []string{l}, false
		for _, s := range c.Series {
			row = append(row, c.format(s.Values[i]))
			nonzero = nonzero || s.Values[i] != 0
		}
		if nonzero {
			t.Rows = append(t.Rows, row)
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

type fieldRow struct {
	FieldCounts
	PrecisionText string
	// Width is the precision as a CSS percentage, for the bar.
	Width string
	Known bool
}

type view struct {
	R          *Report
	Period     string
	Generated  string
	Cards      []card
	Figures    []figure
	Fields     []fieldRow
	FollowUp   figure
	Closing    figure
	CostLabel  string
	HasRecords bool
}

func (r *Report) view() (*view, error) {
	loc := r.loc
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(r.Location); err != nil {
			return nil, fmt.Errorf("insights: the report's time zone: %w", err)
		}
	}
	last := r.Until.Add(-time.Nanosecond).In(loc)
	v := &view{R: r,
		Period:    fmt.Sprintf("%s – %s (%s)", r.Since.In(loc).Format("Mon 2 Jan 2006"), last.Format("Mon 2 Jan 2006"), r.Location),
		Generated: r.Generated.In(loc).Format("2 Jan 2006 15:04 MST"),
		CostLabel: "Cost",
	}
	if r.Currency != "" {
		v.CostLabel = "Cost (" + r.Currency + ")"
	}
	v.HasRecords = r.Runs.Total() > 0 || r.CasesRead > 0

	// Headline cards.
	runNote := fmt.Sprintf("%d created a case, %d failed", r.Runs.Created, r.Runs.Failed)
	v.Cards = append(v.Cards, card{Label: "Agent runs", Value: strconv.Itoa(r.Runs.Total()), Note: runNote})
	prec, precNote, tone := "–", "no agent value judged yet", ""
	if j := r.Values.Judged(); j > 0 {
		prec = percent(r.Values.Precision())
		precNote = fmt.Sprintf("%d of %d values kept; %d corrected, %d removed", r.Values.Kept, j, r.Values.Corrected, r.Values.Rejected)
		tone = "good"
		if r.Values.Precision() < 0.9 {
			tone = "warn"
		}
	}
	v.Cards = append(v.Cards, card{Label: "Precision people saw", Value: prec, Note: precNote, Tone: tone})
	v.Cards = append(v.Cards, card{Label: "Values written", Value: strconv.Itoa(r.Values.Applied), Note: fmt.Sprintf("%d revised by the agent", r.Values.Revised)})
	v.Cards = append(v.Cards, card{Label: "Model calls", Value: strconv.Itoa(r.Usage.Calls), Note: fmt.Sprintf("%s tokens", thousands(r.Usage.TotalTokens))})
	v.Cards = append(v.Cards, card{Label: v.CostLabel, Value: money(r.Usage.Cost), Note: costPerRun(r)})
	ttc, ttcNote := "–", "no case closed in this period"
	if r.Closing.Closed > 0 {
		ttc = duration(r.Closing.Median)
		ttcNote = fmt.Sprintf("median of %d; 90%% within %s", r.Closing.Closed, duration(r.Closing.P90))
	}
	v.Cards = append(v.Cards, card{Label: "Time to close", Value: ttc, Note: ttcNote})
	if r.DraftsWaiting != nil {
		tone := ""
		if *r.DraftsWaiting > 0 {
			tone = "warn"
		}
		v.Cards = append(v.Cards, card{ID: "drafts", Label: "Drafts waiting", Value: strconv.Itoa(*r.DraftsWaiting), Note: "prepared by the agent for a person to confirm", Tone: tone})
	}

	// Daily charts.
	n := len(r.Days)
	labels, tips := make([]string, n), make([]string, n)
	col := func(f func(d *Day) float64) []float64 {
		out := make([]float64, n)
		for i := range r.Days {
			out[i] = f(&r.Days[i])
		}
		return out
	}
	for i, d := range r.Days {
		labels[i] = d.Start.In(loc).Format("2 Jan")
		tips[i] = d.Start.In(loc).Format("Mon 2 Jan 2006")
	}
	xTitle := "Day (" + r.Location + ")"
	runs := &barChart{ID: "runs", Title: "Agent runs per day, by outcome", YTitle: "Runs", XTitle: xTitle,
		XLabels: labels, XTips: tips, Stacked: true, Empty: "No agent runs in this period",
		Series: []series{
			{"Created a case", colBlue, col(func(d *Day) float64 { return float64(d.Runs.Created) })},
			{"Updated a case", colSky, col(func(d *Day) float64 { return float64(d.Runs.Updated) })},
			{"Unchanged", colGrey, col(func(d *Day) float64 { return float64(d.Runs.Unchanged) })},
			{"Skipped", colOrange, col(func(d *Day) float64 { return float64(d.Runs.Skipped) })},
			{"Failed", colVermilion, col(func(d *Day) float64 { return float64(d.Runs.Failed) })},
			{"Shadow (nothing written)", colPurple, col(func(d *Day) float64 { return float64(d.Runs.Shadow) })},
		}}
	values := &barChart{ID: "values", Title: "Values the agent wrote per day, by what people did with them", YTitle: "Field values", XTitle: xTitle,
		XLabels: labels, XTips: tips, Stacked: true, Empty: "The agent wrote no field value in this period",
		Series: []series{
			{"Kept", colGreen, col(func(d *Day) float64 { return float64(d.Values.Kept) })},
			{"Corrected by a person", colOrange, col(func(d *Day) float64 { return float64(d.Values.Corrected) })},
			{"Removed by a person", colVermilion, col(func(d *Day) float64 { return float64(d.Values.Rejected) })},
			{"Revised by the agent", colGrey, col(func(d *Day) float64 { return float64(d.Values.Revised) })},
		}}
	calls := &barChart{ID: "calls", Title: "Model calls per day", YTitle: "Calls", XTitle: xTitle,
		XLabels: labels, XTips: tips, Empty: "No model calls in this period (an offline predictor makes none)",
		Series: []series{{"Model calls", colBlue, col(func(d *Day) float64 { return float64(d.Usage.Calls) })}}}
	cost := &barChart{ID: "cost", Title: "Cost per day", YTitle: v.CostLabel, XTitle: xTitle,
		XLabels: labels, XTips: tips, Format: money, Empty: "No cost recorded in this period",
		Series: []series{{v.CostLabel, colVermilion, col(func(d *Day) float64 { return d.Usage.Cost })}}}
	follow := &barChart{ID: "follow", Title: "Follow-ups and closures per day", YTitle: "Count", XTitle: xTitle,
		XLabels: labels, XTips: tips, Empty: "No follow-up or closure in this period",
		Series: []series{
			{"Follow-ups sent or drafted", colSky, col(func(d *Day) float64 { return float64(d.FollowUps) })},
			{"Cases closed by the agent", colBlue, col(func(d *Day) float64 { return float64(d.ClosedByAgent) })},
			{"Cases closed by a person", colOrange, col(func(d *Day) float64 { return float64(d.ClosedByPeople) })},
		}}
	for _, c := range []struct {
		ch      *barChart
		caption string
		wide    bool
	}{
		{runs, "Every time the agent ran on a conversation, an email, a follow-up or a representative's request, by what it came to.", true},
		{values, "Each field value the agent wrote, on the day it wrote it, by the next change of that field: none (kept), a person's other value (corrected), a person clearing it (removed), or a newer value of the agent's own (revised).", true},
		{calls, "Calls to a language model; offline predictors make none.", false},
		{cost, "What the model calls cost, from the price table the predictor was given.", false},
		{follow, "Follow-ups the agent sent or prepared for a person, and cases that became resolved or closed, by who closed them.", true},
	} {
		c.ch.Wide = c.wide
		v.Figures = append(v.Figures, figure{ID: c.ch.ID, Title: c.ch.Title, Caption: c.caption, Legend: legend(c.ch.Series),
			Chart: c.ch.SVG(), Wide: c.wide, Table: c.ch.numbers()})
	}

	for _, f := range r.Fields {
		row := fieldRow{FieldCounts: f, PrecisionText: "–"}
		if f.Judged() > 0 {
			row.Known = true
			row.PrecisionText = percent(f.Precision)
			row.Width = strconv.FormatFloat(math.Round(f.Precision*1000)/10, 'f', -1, 64) + "%"
		}
		v.Fields = append(v.Fields, row)
	}

	fu := r.FollowUp
	fuParts := []part{
		{"Resolved or closed by the agent", colBlue, fu.ResolvedByAgent},
		{"Closed by a person", colOrange, fu.ClosedByPeople},
		{"Back with a person", colPurple, fu.BackWithPerson},
		{"Still waiting on the customer", colGrey, fu.Waiting},
	}
	v.FollowUp = figure{ID: "fate", Title: "What became of the cases followed up",
		Caption: fmt.Sprintf("%d cases followed up with %d follow-ups; where each stood at the end of the period.", fu.Cases, fu.Sent),
		Chart:   shareBar("fate", "What became of the cases followed up", fuParts)}
	for _, p := range fuParts {
		v.FollowUp.Legend = append(v.FollowUp.Legend, legendItem{fmt.Sprintf("%s (%d)", p.Name, p.Value), p.Color})
	}

	bl := make([]string, len(r.Closing.Buckets))
	for i, b := range r.Closing.Buckets {
		bl[i] = b.Label
	}
	ttcChart := &barChart{ID: "ttc", Title: "Time to close", YTitle: "Cases", XTitle: "Time from creation to resolution or closure",
		XLabels: bl, Stacked: true, Empty: "No case closed in this period",
		Series: []series{
			{"Closed by the agent", colBlue, bucketCol(r.Closing.Buckets, true)},
			{"Closed by a person", colOrange, bucketCol(r.Closing.Buckets, false)},
		}}
	v.Closing = figure{ID: "ttc", Title: ttcChart.Title,
		Caption: "Cases resolved or closed in the period, by how long after their creation.",
		Legend:  legend(ttcChart.Series), Chart: ttcChart.SVG(), Table: ttcChart.numbers()}
	return v, nil
}

func bucketCol(bs []CloseBucket, agent bool) []float64 {
	out := make([]float64, len(bs))
	for i, b := range bs {
		if agent {
			out[i] = float64(b.ByAgent)
		} else {
			out[i] = float64(b.ByPeople)
		}
	}
	return out
}

func legend(ss []series) []legendItem {
	out := make([]legendItem, len(ss))
	for i, s := range ss {
		out[i] = legendItem{s.Name, s.Color}
	}
	return out
}

func percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}

// money formats an amount with as many decimals as small amounts need.
func money(f float64) string {
	switch a := math.Abs(f); {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case a >= 1:
		return strconv.FormatFloat(f, 'f', 2, 64)
	case a >= 0.01:
		return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(f, 'f', 3, 64), "0"), ".")
	default:
		return strconv.FormatFloat(f, 'g', 2, 64)
	}
}

func costPerRun(r *Report) string {
	if r.Usage.Calls == 0 {
		return "no model calls"
	}
	return money(r.Usage.Cost/float64(r.Usage.Calls)) + " per call"
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	return b.String()
}

// duration formats a time to close for people: minutes, hours or days.
func duration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	case d < 48*time.Hour:
		h := d.Hours()
		return strconv.FormatFloat(math.Round(h*10)/10, 'f', -1, 64) + " h"
	default:
		days := d.Hours() / 24
		return strconv.FormatFloat(math.Round(days*10)/10, 'f', -1, 64) + " d"
	}
}

var page = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light">
<title>{{.R.Title}} · {{.Period}}</title>
<style>
:root { --ink:#1d2329; --muted:#5b6570; --line:#d9dee3; --bg:#f6f7f9; --card:#ffffff; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 24px 40px; }
header h1 { font-size: 26px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); }
h2 { font-size: 17px; margin: 0 0 4px; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap:12px; margin: 20px 0; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; border-top:4px solid #b8c0c8; }
.card.good { border-top-color:#009E73; } .card.warn { border-top-color:#E69F00; }
.card .label { color:var(--muted); font-size:13px; }
.card .value { font-size:28px; font-weight:650; margin: 2px 0; font-variant-numeric: tabular-nums; }
.card .note { color:var(--muted); font-size:12.5px; }
.grid { display:grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap:16px; align-items:start; }
figure, section.panel { margin:0; background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
figure.wide, section.panel.wide { grid-column: 1 / -1; }
figcaption, .caption { color:var(--muted); font-size:13px; margin-bottom:6px; }
.legend { list-style:none; display:flex; flex-wrap:wrap; gap:4px 16px; padding:0; margin:6px 0 4px; font-size:13px; }
.legend li { display:flex; align-items:center; gap:6px; }
.swatch { width:12px; height:12px; border-radius:2px; display:inline-block; }
svg.chart { width:100%; height:auto; display:block; }
svg.share { width:100%; height:auto; display:block; margin-top:6px; }
svg text { fill:var(--ink); font-family: inherit; }
svg .tick { font-size:11px; fill:var(--muted); }
svg .axis-title { font-size:12px; fill:var(--ink); }
svg .empty { font-size:14px; fill:var(--muted); }
svg .in-bar { font-size:14px; font-weight:600; fill:#fff; } svg .in-bar.dark { fill:#1d2329; }
svg .grid { stroke:#e6e9ed; stroke-width:1; } svg .axis { stroke:#8a939c; stroke-width:1; }
svg .track { fill:#eef0f3; }
svg rect { stroke:#fff; stroke-width:0.6; }
table { width:100%; border-collapse:collapse; font-size:14px; font-variant-numeric: tabular-nums; }
th, td { padding:6px 8px; border-bottom:1px solid var(--line); text-align:right; }
th:first-child, td:first-child { text-align:left; }
th { color:var(--muted); font-weight:600; font-size:12.5px; }
td.prec { width: 28%; }
.pbar { display:flex; align-items:center; gap:8px; justify-content:flex-end; }
.pbar .track { flex:1; height:10px; background:#eef0f3; border-radius:5px; overflow:hidden; max-width:200px; }
.pbar .fill { height:100%; background:#009E73; }
.pbar span { min-width:3.5em; text-align:right; }
details { margin-top:6px; font-size:13px; } summary { color:var(--muted); cursor:pointer; }
details table { margin-top:6px; font-size:13px; }
footer { margin-top:24px; color:var(--muted); font-size:13px; }
footer dt { font-weight:600; color:var(--ink); margin-top:6px; }
footer dd { margin:0 0 0 0; }
.none { color:var(--muted); font-style:italic; }
@media (max-width: 820px) { .grid { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<main>
<header>
<h1>{{.R.Title}}</h1>
<p>{{.Period}} · generated {{.Generated}}</p>
</header>
{{if not .HasRecords}}<p class="none">No agent run was recorded in this period.</p>{{end}}
<section class="cards" aria-label="Headline figures">
{{range .Cards}}<div class="card {{.Tone}}"{{with .ID}} id="{{.}}"{{end}}><div class="label">{{.Label}}</div><div class="value">{{.Value}}</div><div class="note">{{.Note}}</div></div>
{{end}}</section>
<div class="grid">
{{range .Figures}}{{template "figure" .}}{{end}}
<section class="panel wide" id="fields" aria-labelledby="fields-h">
<h2 id="fields-h">Precision people saw, per field</h2>
<p class="caption">Of the values the agent wrote to each field, how many people left as they were. Values the agent revised itself are not counted in the precision.</p>
{{if .Fields}}<table>
<thead><tr><th scope="col">Field</th><th scope="col">Written</th><th scope="col">Kept</th><th scope="col">Corrected</th><th scope="col">Removed</th><th scope="col">Revised by the agent</th><th scope="col">Precision</th></tr></thead>
<tbody>
{{range .Fields}}<tr><td>{{.Field}}</td><td>{{.Applied}}</td><td>{{.Kept}}</td><td>{{.Corrected}}</td><td>{{.Rejected}}</td><td>{{.Revised}}</td><td class="prec"><div class="pbar">{{if .Known}}<div class="track"><div class="fill" style="width:{{.Width}}"></div></div>{{end}}<span>{{.PrecisionText}}</span></div></td></tr>
{{end}}</tbody>
</table>{{else}}<p class="none">The agent wrote no field value in this period.</p>{{end}}
</section>
{{template "figure" .FollowUp}}
{{template "figure" .Closing}}
</div>
<footer>
<dl>
<dt>Agent runs</dt><dd>The interaction records of the period; a representative's own edits are not runs.</dd>
<dt>Precision people saw</dt><dd>Kept ÷ (kept + corrected + removed), read from the audit trail: a change by a person to a field whose value the agent had set. Changes up to the end of the period count.</dd>
<dt>Time to close</dt><dd>From the case's creation to the change of its status to resolved or closed.</dd>
</dl>
<p>{{.R.CasesRead}} cases read.</p>
</footer>
</main>
</body>
</html>
{{define "figure"}}<figure{{if .Wide}} class="wide"{{end}} id="fig-{{.ID}}" aria-labelledby="fig-{{.ID}}-h">
<h2 id="fig-{{.ID}}-h">{{.Title}}</h2>
<figcaption>{{.Caption}}</figcaption>
<ul class="legend">{{range .Legend}}<li><span class="swatch" style="background:{{.Color}}"></span>{{.Name}}</li>{{end}}</ul>
{{.Chart}}
{{with .Table}}<details><summary>The numbers</summary>
<table><thead><tr>{{range .Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody></table>
</details>{{end}}
</figure>
{{end}}`))
