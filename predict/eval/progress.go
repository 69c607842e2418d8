package eval

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress draws a bar such as
//
//	[=========>          ]  512/1078  48%  1532/s  eta 0s
//
// on a terminal, redrawn in place at most ten times a second. A nil
// writer draws nothing.
type progress struct {
	w     io.Writer
	total int
	now   func() time.Time
	start time.Time

	mu    sync.Mutex
	count int
	last  time.Time
}

func newProgress(w io.Writer, total int, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, total: total, now: now, start: t}
}

func (p *progress) add() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count++
	if t := p.now(); t.Sub(p.last) >= 100*time.Millisecond || p.count == p.total {
		p.last = t
		p.draw()
	}
}

func (p *progress) draw() {
	const width = 30
	frac := float64(p.count) / float64(max(p.total, 1))
	fill := int(frac * width)
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	elapsed := p.now().Sub(p.start).Seconds()
	rate, eta := 0.0, ""
	if elapsed > 0 {
		rate = float64(p.count) / elapsed
		if rate > 0 {
			eta = fmt.Sprintf("  eta %s", time.Duration(float64(p.total-p.count)/rate*float64(time.Second)).Round(time.Second))
		}
	}
	fmt.Fprintf(p.w, "\r[%s] %*d/%d %3.0f%% %6.0f/s%s ", bar, len(fmt.Sprint(p.total)), p.count, p.total, 100*frac, rate, eta)
}

// done ends the bar's line.
func (p *progress) done() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.count > 0 {
		fmt.Fprintln(p.w)
	}
}
