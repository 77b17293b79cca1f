package testenv

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserScreenshot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>testenv</title>
<body style="margin:0;font:16px sans-serif">
<h1 id="h">Hello from testenv</h1>
<div style="height:2000px;background:linear-gradient(#fff,#36c)"></div>
</body>`)
	}))
	defer srv.Close()

	ctx := Browser(t)
	var heading string
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL),
		chromedp.WaitVisible(chromedp.CSS("#h")),
	); err != nil {
		t.Fatal(err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#h")))
	if err != nil || heading != "Hello from testenv" {
		t.Fatalf("heading = %q, %v", heading, err)
	}

	path := Screenshot(t, ctx, "testenv/self test")
	if want := filepath.Join(RepoRoot(t), "artifacts", "screenshots", "testenv-self-test.png"); path != want {
		t.Errorf("path = %s, want %s", path, want)
	}
	t.Cleanup(func() { os.Remove(path) }) // not a gallery picture
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	// Full page: taller than the 900 px window.
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() < 2000 {
		t.Errorf("screenshot is %v, want 1280 wide and the full 2000+ px page", b)
	}
}
