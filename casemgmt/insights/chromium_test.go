package insights_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt/insights"
)

// chromiumPath is where Debian's chromium package puts the browser
// (apt-get install chromium; .ci/chromium.sh does it in CI).
const chromiumPath = "/usr/bin/chromium"

// browser is a headless Chromium driven through the DevTools protocol
// over --remote-debugging-pipe: JSON messages separated by NUL bytes on
// file descriptors 3 (to the browser) and 4 (from it). No port is opened
// and no library is needed.
type browser struct {
	cmd    *exec.Cmd
	to     *os.File
	stderr *bytes.Buffer

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpMessage
	events  chan cdpMessage
	done    chan struct{}
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("Chromium is not installed at %s: apt-get install chromium (or run .ci/chromium.sh) to open the report in a browser", chromiumPath)
	}
	// Chromium reads fd 3 and writes fd 4.
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromiumPath,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{inR, outW}
	b := &browser{cmd: cmd, to: inW, stderr: &bytes.Buffer{}, waiting: map[int]chan cdpMessage{},
		events: make(chan cdpMessage, 1024), done: make(chan struct{})}
	cmd.Stderr = &limitedWriter{w: b.stderr, n: 64 << 10}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	inR.Close()
	outW.Close()
	go b.read(outR)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = b.call(ctx, "", "Browser.close", nil)
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		inW.Close()
		outR.Close()
	})
	return b
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		_, _ = l.w.Write(p[:k])
	}
	return len(p), nil
}

func (b *browser) read(r io.Reader) {
	defer close(b.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexByte(data, 0); i >= 0 {
			return i + 1, data[:i], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	for sc.Scan() {
		var m cdpMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.waiting[m.ID]
			delete(b.waiting, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		select {
		case b.events <- m:
		default: // a test that stops reading events loses the rest
		}
	}
}

// call sends a command (to a page's session when session is set) and
// waits for its result.
func (b *browser) call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if _, err := b.to.Write(append(data, 0)); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		return m.Result, nil
	case <-b.done:
		return nil, fmt.Errorf("%s: the browser went away; its log:\n%s", method, b.stderr)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// pageRun is what opening a page showed.
type pageRun struct {
	// Problems are console errors and warnings, uncaught exceptions and
	// the browser's own error log entries (refused loads, policy
	// violations), one line each.
	Problems   []string
	Screenshot []byte
	// Layout is what the page's script check returned.
	Layout layoutCheck
}

type layoutCheck struct {
	Charts      int      `json:"charts"`
	EmptyCharts []string `json:"emptyCharts"`
	Overflowing []string `json:"overflowing"`
	ScrollX     bool     `json:"scrollX"`
	Height      float64  `json:"height"`
}

// layoutScript measures the rendered charts: each has a size, its text
// stays inside it, and the page does not scroll sideways.
const layoutScript = `(() => {
  const out = {charts: 0, emptyCharts: [], overflowing: [], scrollX: false, height: 0};
  for (const svg of document.querySelectorAll('svg')) {
    out.charts++;
    const box = svg.getBoundingClientRect();
    const name = (svg.querySelector('title') || {}).textContent || '?';
    if (box.width < 50 || box.height < 20) out.emptyCharts.push(name);
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.overflowing.push(name + ': ' + t.textContent);
    }
  }
  out.scrollX = document.documentElement.scrollWidth > window.innerWidth;
  out.height = document.documentElement.scrollHeight;
  return JSON.stringify(out);
})()`

// open loads the file in a new tab, waits for it to load, checks its
// layout and takes a screenshot of the whole page.
func (b *browser) open(ctx context.Context, t *testing.T, path string) pageRun {
	t.Helper()
	must := func(raw json.RawMessage, err error) json.RawMessage {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	_ = json.Unmarshal(must(b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})), &target)
	var att struct {
		SessionID string `json:"sessionId"`
	}
	_ = json.Unmarshal(must(b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})), &att)
	s := att.SessionID
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable"} {
		must(b.call(ctx, s, m, nil))
	}
	must(b.call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}))
	must(b.call(ctx, s, "Page.navigate", map[string]any{"url": "file://" + path}))

	var run pageRun
	record := func(m cdpMessage) (loaded bool) {
		if m.SessionID != s {
			return false
		}
		switch m.Method {
		case "Page.loadEventFired":
			return true
		case "Runtime.consoleAPICalled":
			var p struct {
				Type string `json:"type"`
				Args []struct {
					Value       any    `json:"value"`
					Description string `json:"description"`
				} `json:"args"`
			}
			_ = json.Unmarshal(m.Params, &p)
			if p.Type == "error" || p.Type == "warning" || p.Type == "assert" {
				var parts []string
				for _, a := range p.Args {
					parts = append(parts, fmt.Sprint(a.Value)+a.Description)
				}
				run.Problems = append(run.Problems, "console "+p.Type+": "+strings.Join(parts, " "))
			}
		case "Runtime.exceptionThrown":
			var p struct {
				Details struct {
					Text      string `json:"text"`
					Exception struct {
						Description string `json:"description"`
					} `json:"exception"`
				} `json:"exceptionDetails"`
			}
			_ = json.Unmarshal(m.Params, &p)
			run.Problems = append(run.Problems, "exception: "+p.Details.Text+" "+p.Details.Exception.Description)
		case "Log.entryAdded":
			var p struct {
				Entry struct {
					Level  string `json:"level"`
					Source string `json:"source"`
					Text   string `json:"text"`
					URL    string `json:"url"`
				} `json:"entry"`
			}
			_ = json.Unmarshal(m.Params, &p)
			if p.Entry.Level == "error" || p.Entry.Level == "warning" {
				run.Problems = append(run.Problems, "log "+p.Entry.Level+" ("+p.Entry.Source+"): "+p.Entry.Text+" "+p.Entry.URL)
			}
		}
		return false
	}
	for loaded := false; !loaded; {
		select {
		case m := <-b.events:
			loaded = record(m)
		case <-ctx.Done():
			t.Fatalf("%s did not load: %v", path, ctx.Err())
		}
	}

	var ev struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
	}
	_ = json.Unmarshal(must(b.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": layoutScript, "returnByValue": true})), &ev)
	if err := json.Unmarshal([]byte(ev.Result.Value), &run.Layout); err != nil {
		t.Fatalf("layout check: %v (%q)", err, ev.Result.Value)
	}
	// The whole page in one image: make the viewport as tall as the page.
	h := max(int(run.Layout.Height), 600)
	must(b.call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": h, "deviceScaleFactor": 1, "mobile": false}))
	var shot struct {
		Data string `json:"data"`
	}
	_ = json.Unmarshal(must(b.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png"})), &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	run.Screenshot = png
	// Events that arrived while measuring count too.
	for {
		select {
		case m := <-b.events:
			record(m)
		default:
			return run
		}
	}
}

// The report opens in a real browser without a single console error,
// warning or refused load, every chart has a size, no label spills out
// of its chart, and the page does not scroll sideways. The screenshot is
// kept in the test's artifact directory (go test -artifacts).
func TestReportInChromium(t *testing.T) {
	b := startBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	dir := t.TempDir()

	// The check itself must see problems: a page with a console error and
	// an image its policy refuses.
	bad := filepath.Join(dir, "bad.html")
	if err := os.WriteFile(bad, []byte(`<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'">`+
		`<title>bad</title><script>console.error("deliberate error")</script><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">`), 0o600); err != nil {
		t.Fatal(err)
	}
	got := b.open(ctx, t, bad)
	if len(got.Problems) < 2 {
		t.Fatalf("a page with a console error and a refused image showed %d problems: %q", len(got.Problems), got.Problems)
	}

	pages := []struct {
		name string
		page []byte
	}{
		{"week", render(t, insights.WithDrafts(insights.DraftCountFunc(func(context.Context) (int, error) { return 2, nil })))},
		{"empty", render(t, insights.WithRange(day(100, 0, 0), day(107, 0, 0)))},
		{"quarter", render(t, insights.WithRange(day(-80, 0, 0), day(40, 0, 0)))},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			path := filepath.Join(dir, p.name+".html")
			if err := os.WriteFile(path, p.page, 0o600); err != nil {
				t.Fatal(err)
			}
			run := b.open(ctx, t, path)
			shot := filepath.Join(t.ArtifactDir(), p.name+".png")
			if err := os.WriteFile(shot, run.Screenshot, 0o600); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s (%d bytes)", shot, len(run.Screenshot))
			for _, p := range run.Problems {
				t.Errorf("browser: %s", p)
			}
			l := run.Layout
			if l.Charts != 7 {
				t.Errorf("%d charts rendered; want 7", l.Charts)
			}
			for _, name := range l.EmptyCharts {
				t.Errorf("chart %q has no size", name)
			}
			for _, o := range l.Overflowing {
				t.Errorf("label outside its chart: %s", o)
			}
			if l.ScrollX {
				t.Error("the page scrolls sideways at 1280 pixels")
			}
			if !bytes.HasPrefix(run.Screenshot, []byte("\x89PNG")) || len(run.Screenshot) < 10000 {
				t.Errorf("the screenshot is not a plausible PNG (%d bytes)", len(run.Screenshot))
			}
		})
	}
}
