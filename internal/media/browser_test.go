package media_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/testenv"
)

// chromiumPlays loads an MP4 in a <video> element of headless Chromium and
// waits until playback has advanced past minSeconds, so "the browser plays
// it" is checked by a browser, not inferred from ffprobe.
func chromiumPlays(t *testing.T, path string, minSeconds float64) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/play.mp4" {
			w.Header().Set("Content-Type", "video/mp4")
			http.ServeFile(w, r, path)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><video id="v" src="/play.mp4" muted autoplay playsinline></video>`))
	}))
	defer srv.Close()
	ctx := testenv.Browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	type state struct {
		Time   float64 `json:"t"`
		Width  int     `json:"w"`
		Height int     `json:"h"`
		Err    int     `json:"err"`
		Ended  bool    `json:"ended"`
	}
	const js = `(() => { const v = document.getElementById('v');
		return {t: v.currentTime, w: v.videoWidth, h: v.videoHeight, err: v.error ? v.error.code : 0, ended: v.ended}; })()`
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`(() => { const v = document.getElementById('v'); return v.error !== null || v.ended || v.currentTime >= `+
			jsNum(minSeconds)+`; })()`,
		chromedp.WithPollingTimeout(30*time.Second)))
	st, err2 := chromedp.Run(ctx, chromedp.Evaluate[state](js))
	if err != nil || err2 != nil {
		t.Fatalf("waiting for playback: %v %v (state %+v)", err, err2, st)
	}
	if st.Err != 0 || st.Width == 0 || st.Time < minSeconds && !st.Ended {
		t.Fatalf("chromium did not play %s: %+v", path, st)
	}
	t.Logf("chromium played %.2fs at %dx%d", st.Time, st.Width, st.Height)
}

func jsNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
