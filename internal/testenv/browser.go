package testenv

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BrowserTimeout bounds the life of a browser from Browser: every action on
// its context fails after it, and the browser is killed.
const BrowserTimeout = 3 * time.Minute

// Browser starts a headless Chromium for the test (VIGILO_CHROMIUM, else
// /usr/bin/chromium) with a fresh profile and a 1280×900 window, and returns
// a chromedp context for one tab in it. The browser closes when the test ends
// or after BrowserTimeout. Without Chromium the test skips (fails when
// CI=true). extra options (chromedp.Flag(...)) go after the defaults, for a
// test whose browser needs more, e.g. --host-resolver-rules to reach a test
// server under a custom domain name; other tests' browsers stay as they are.
//
// The context is for chromedp v0.23's generic API:
//
//	err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("form")))
//	title, err := chromedp.Run(ctx, chromedp.Title())
func Browser(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	exec := RequireTool(t, "chromium")

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exec),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(1280, 900),
	)
	opts = append(opts, extra...)
	// The user data dir is left to chromedp: it makes a fresh one per browser
	// and removes it after killing whatever Chromium left running in it.

	bounded, cancelTimeout := context.WithTimeout(context.Background(), BrowserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(bounded, opts...)
	// chromedp reports protocol trouble from its own goroutines; route it to
	// the test log only while the test is running.
	logf := testLogf(t)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))
	t.Cleanup(func() {
		closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(closeCtx) // graceful close; the cancels below make sure
		cancelCtx()
		cancelAlloc() // waits for the process to exit
		cancelTimeout()
	})
	// Start the browser now, so that a broken Chromium fails here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("testenv: start chromium %s: %v", exec, err)
	}
	return ctx
}

// testLogf returns a Logf that drops messages once the test has ended, when
// t.Logf would panic.
func testLogf(t testing.TB) func(string, ...any) {
	var mu sync.Mutex
	done := false
	t.Cleanup(func() { mu.Lock(); done = true; mu.Unlock() })
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf("chromedp: "+format, args...)
		}
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Screenshot saves a full-page PNG of the tab in ctx to
// <repo>/artifacts/screenshots/<name>.png and returns its path. `make
// screenshots` copies them to docs/screenshots for the README gallery.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("testenv: screenshot %s: %v", name, err)
	}
	dir := filepath.Join(RepoRoot(t), "artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	path := filepath.Join(dir, unsafeName.ReplaceAllString(name, "-")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return path
}
