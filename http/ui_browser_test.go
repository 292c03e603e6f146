package http_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The pages are tested in a real headless Chromium, as people use them:
// type, tap, read. Locally the tests skip when Chromium is absent; with
// EPILOOP_TEST_BROWSER set (CI) its absence is a failure. Screenshots of
// every step go to EPILOOP_SCREENSHOTS, or to a fresh directory the test
// prints.

// browser starts the test's headless Chromiums: one per person, each with
// a fresh profile, so their cookies are their own.
type browser struct {
	t    testing.TB
	path string
	dir  string
	mu   sync.Mutex
	n    int
}

// chromiumPath finds Chromium or skips (or, in CI, fails) the test.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("EPILOOP_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("EPILOOP_TEST_BROWSER") != "" {
		t.Fatal("EPILOOP_TEST_BROWSER is set but no Chromium was found (apt-get install chromium fonts-noto-cjk)")
	}
	t.Skip("Chromium not found: browser tests skipped (apt-get install chromium fonts-noto-cjk; EPILOOP_TEST_BROWSER=1 makes this a failure)")
	return ""
}

// newBrowser finds Chromium. Screenshots go to dir, or to
// EPILOOP_SCREENSHOTS, or to a new temporary directory.
func newBrowser(t testing.TB, dir string) *browser {
	t.Helper()
	path := chromiumPath(t)
	if dir == "" {
		dir = os.Getenv("EPILOOP_SCREENSHOTS")
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "epiloop-ui-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return &browser{t: t, path: path, dir: dir}
}

// tab is one person's window: its own browser (cookies), its own viewport,
// and the page errors it saw.
type tab struct {
	b    *browser
	name string
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

// person opens a window for someone on a w×h screen (a phone when mobile).
func (b *browser) person(name string, w, h int64, mobile bool) *tab {
	b.t.Helper()
	profile, err := os.MkdirTemp("", "epiloop-chromium-")
	if err != nil {
		b.t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(b.path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(int(w), int(h)),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	b.t.Cleanup(func() {
		cancel()
		cancelAlloc()
		// Chromium's helper processes may still write into the profile
		// for a moment after the browser exits: remove it patiently, and
		// never fail a test over it.
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	tb := &tab{b: b, name: name, ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			tb.fail("exception: " + ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			// Network errors are the statuses the tests expect (404,
			// 422); anything else at error level (a CSP violation, a
			// script error) is a bug.
			if ev.Entry.Level == log.LevelError && ev.Entry.Source != log.SourceNetwork {
				tb.fail(string(ev.Entry.Source) + ": " + ev.Entry.Text)
			}
		}
	})
	vp := chromedp.EmulateViewport(w, h)
	if mobile {
		vp = chromedp.EmulateViewport(w, h, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	// The first run starts the browser: it gets no deadline, which would
	// stop the browser with it.
	if err := chromedp.Run(ctx, vp); err != nil {
		b.t.Fatalf("start chromium for %s: %v", name, err)
	}
	return tb
}

func (tb *tab) fail(s string) {
	tb.mu.Lock()
	tb.errs = append(tb.errs, s)
	tb.mu.Unlock()
}

// check reports the page errors seen so far.
func (tb *tab) check() {
	tb.b.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.errs {
		tb.b.t.Errorf("%s's browser: %s", tb.name, e)
	}
	tb.errs = nil
}

// run runs actions with a deadline, failing the test with a screenshot of
// what the person saw.
func (tb *tab) run(actions ...chromedp.Action) {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		tb.shot("failed")
		var url string
		chromedp.Run(tb.ctx, chromedp.Location(&url))
		tb.b.t.Fatalf("%s at %s: %v", tb.name, url, err)
	}
}

// click clicks the first element matching sel. A live page may swap the
// element out between chromedp finding it and clicking it ("Could not
// find node with given id"); then nothing was clicked, so it tries again.
func (tb *tab) click(sel string) {
	tb.b.t.Helper()
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
		err := chromedp.Run(ctx, chromedp.Click(sel, chromedp.ByQuery))
		cancel()
		if err == nil {
			return
		}
		if attempt < 3 && strings.Contains(err.Error(), "Could not find node with given id") {
			continue
		}
		tb.run(chromedp.Click(sel, chromedp.ByQuery)) // fails the test with a screenshot
		return
	}
}

// shot saves a full-page screenshot under the browser's directory.
func (tb *tab) shot(name string) string {
	tb.b.t.Helper()
	tb.b.mu.Lock()
	tb.b.n++
	n := tb.b.n
	tb.b.mu.Unlock()
	return tb.shotAs(fmt.Sprintf("%02d-%s-%s.png", n, tb.name, name))
}

// shotAs saves a full-page PNG screenshot as file.
func (tb *tab) shotAs(file string) string {
	tb.b.t.Helper()
	var png []byte
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		tb.b.t.Errorf("screenshot %s: %v", file, err)
		return ""
	}
	p := filepath.Join(tb.b.dir, file)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.b.t.Error(err)
	}
	return p
}

// text reads the trimmed text of the first element matching sel.
func (tb *tab) text(sel string) string {
	tb.b.t.Helper()
	var s string
	tb.run(chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

// waitJS polls until a JavaScript expression is true.
func (tb *tab) waitJS(expr string) {
	tb.b.t.Helper()
	var ok bool
	tb.run(chromedp.Poll(expr, &ok, chromedp.WithPollingTimeout(12*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
}

// login signs in through the form and waits for the first page.
func (tb *tab) login(url, name, password, landing string) {
	tb.b.t.Helper()
	tb.run(
		chromedp.Navigate(url+"/login"),
		chromedp.WaitVisible("#name", chromedp.ByQuery),
		chromedp.SendKeys("#name", name, chromedp.ByQuery),
		chromedp.SendKeys("#password", password, chromedp.ByQuery),
		chromedp.Click("#login-submit", chromedp.ByQuery),
		chromedp.WaitVisible(landing, chromedp.ByQuery),
	)
}

// mark sets a value on the page's window; unmarked reports whether a
// reload (or navigation) has lost it since.
func (tb *tab) mark() {
	tb.b.t.Helper()
	tb.run(chromedp.Evaluate(`window.__epiloopMark = 1`, nil))
}

func (tb *tab) reloaded() bool {
	tb.b.t.Helper()
	var marked bool
	tb.run(chromedp.Evaluate(`window.__epiloopMark === 1`, &marked))
	return !marked
}
