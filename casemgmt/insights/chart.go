package insights

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The Okabe–Ito palette, which people with the common colour-vision
// deficiencies tell apart, and a neutral grey.
const (
	colBlue      = "#0072B2"
	colSky       = "#56B4E9"
	colGreen     = "#009E73"
	colOrange    = "#E69F00"
	colVermilion = "#D55E00"
	colPurple    = "#CC79A7"
	colYellow    = "#F0E442"
	colGrey      = "#8C8C8C"
)

// series is one set of bars of a chart, one value per category.
type series struct {
	Name   string
	Color  string
	Values []float64
}

// barChart is a vertical bar chart drawn as inline SVG: stacked or
// grouped, with a y axis of round ticks and labelled axes.
type barChart struct {
	ID      string
	Title   string
	YTitle  string // with the unit
	XTitle  string
	XLabels []string // one per category
	// XTips are the categories' names in tooltips (the full date); the
	// labels when empty.
	XTips   []string
	Series  []series
	Stacked bool
	// Format formats a value for ticks and tooltips; integers when nil.
	Format func(float64) string
	// Empty is said instead of the bars when every value is zero.
	Empty string
	// Wide charts span the page; the others half of it. The drawing is
	// as wide as the space it gets, so that its text keeps its size.
	Wide bool
}

const (
	wideW, narrowW         = 1160, 560
	chartH                 = 250
	padL, padR, padT, padB = 58, 14, 14, 50
	plotH                  = chartH - padT - padB
)

func (c *barChart) format(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// SVG renders the chart.
func (c *barChart) SVG() template.HTML {
	n := len(c.XLabels)
	chartW := narrowW
	if c.Wide {
		chartW = wideW
	}
	plotW := chartW - padL - padR
	// Room for a label of about 7 characters per category shown.
	maxXLabels := max(plotW/64, 2)
	var top float64
	for i := 0; i < n; i++ {
		var sum float64
		for _, s := range c.Series {
			if c.Stacked {
				sum += s.Values[i]
			} else {
				sum = math.Max(sum, s.Values[i])
			}
		}
		top = math.Max(top, sum)
	}
	intOnly := c.Format == nil
	step, top := niceScale(top, intOnly)

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t">`, chartW, chartH, c.ID)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, c.ID, esc(c.Title))
	allZero := true
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v != 0 {
				allZero = false
			}
		}
	}
	// Grid and y ticks; an empty chart has only its zero.
	for i := 0; float64(i)*step <= top+step/2; i++ {
		v := float64(i) * step
		if allZero && i > 0 {
			break
		}
		y := padT + plotH - v/top*plotH
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, padL, padL+plotW, y, y)
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, padL-6, y, esc(c.format(v)))
	}
	// Y axis title, rotated along the axis.
	fmt.Fprintf(&b, `<text class="axis-title" x="%d" y="%d" text-anchor="middle" transform="rotate(-90 %d %d)">%s</text>`,
		14, padT+plotH/2, 14, padT+plotH/2, esc(c.YTitle))
	// X axis and its title.
	fmt.Fprintf(&b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padL, padL+plotW, padT+plotH, padT+plotH)
	fmt.Fprintf(&b, `<text class="axis-title" x="%d" y="%d" text-anchor="middle">%s</text>`, padL+plotW/2, chartH-6, esc(c.XTitle))

	if n == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	band := float64(plotW) / float64(n)
	every := (n + maxXLabels - 1) / maxXLabels
	for i, l := range c.XLabels {
		if i%every != 0 {
			continue
		}
		x := padL + band*(float64(i)+0.5)
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x, padT+plotH+16, esc(l))
	}
	if allZero {
		fmt.Fprintf(&b, `<text class="empty" x="%d" y="%d" text-anchor="middle">%s</text>`, padL+plotW/2, padT+plotH/2, esc(c.Empty))
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	barW := band * 0.72
	if !c.Stacked && len(c.Series) > 1 {
		barW = band * 0.8 / float64(len(c.Series))
	}
	barW = math.Min(barW, 56)
	for i := 0; i < n; i++ {
		tip := c.XLabels[i]
		if i < len(c.XTips) {
			tip = c.XTips[i]
		}
		base := 0.0
		for si, s := range c.Series {
			v := s.Values[i]
			if v == 0 {
				continue
			}
			h := v / top * plotH
			var x, y float64
			if c.Stacked {
				x = padL + band*(float64(i)+0.5) - barW/2
				y = padT + plotH - (base+v)/top*plotH
				base += v
			} else {
				group := barW * float64(len(c.Series))
				x = padL + band*(float64(i)+0.5) - group/2 + barW*float64(si)
				y = padT + plotH - h
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s — %s: %s</title></rect>`,
				x, y, barW, h, s.Color, esc(tip), esc(s.Name), esc(c.format(v)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceScale returns a round tick step and the axis top (a multiple of
// the step) for values up to max, with four or five ticks.
func niceScale(max float64, intOnly bool) (step, top float64) {
	if max <= 0 {
		max = 1
	}
	raw := max / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if intOnly && step < 1 {
		step = 1
	}
	top = math.Ceil(max/step-1e-9) * step
	return step, top
}

// stackedBar is one horizontal bar split in parts, for shares of a whole.
type part struct {
	Name  string
	Color string
	Value int
}

// shareBar renders parts as one horizontal bar with the counts written
// in the segments wide enough to hold them.
func shareBar(id, title string, parts []part) template.HTML {
	const w, h = narrowW, 44
	total := 0
	for _, p := range parts {
		total += p.Value
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="share" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t">`, w, h, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, id, esc(title))
	if total == 0 {
		fmt.Fprintf(&b, `<rect class="track" x="0" y="6" width="%d" height="32" rx="3"/>`, w)
		fmt.Fprintf(&b, `<text class="empty" x="%d" y="27" text-anchor="middle">none in this period</text></svg>`, w/2)
		return template.HTML(b.String())
	}
	x := 0.0
	for _, p := range parts {
		if p.Value == 0 {
			continue
		}
		pw := float64(p.Value) / float64(total) * w
		fmt.Fprintf(&b, `<rect x="%.1f" y="6" width="%.1f" height="32" fill="%s"><title>%s: %d of %d</title></rect>`,
			x, pw, p.Color, esc(p.Name), p.Value, total)
		label := strconv.Itoa(p.Value)
		if pw >= float64(12+8*len(label)) {
			fmt.Fprintf(&b, `<text class="in-bar%s" x="%.1f" y="27" text-anchor="middle">%s</text>`, darkText(p.Color), x+pw/2, label)
		}
		x += pw
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// darkText names the class for text on light fills.
func darkText(fill string) string {
	switch fill {
	case colYellow, colSky, colOrange, colGrey:
		return " dark"
	}
	return ""
}

func esc(s string) string { return template.HTMLEscapeString(s) }
