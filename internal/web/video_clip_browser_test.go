package web_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestVideoClipAndShareInBrowser: the customer's admin selects 10 s on the
// timeline by keyboard, saves it as a clip, sees its progress and downloads
// it (ffprobe: 10 s ± 1 s); shares the clip, and the link plays in a fresh
// browser profile without signing in — until the admin revokes it.
func TestVideoClipAndShareInBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	w := newVideoWorld(t, apitest.Options{})
	base := w.e.Main.Config.BaseURL
	b := &browser{t: t, ctx: ctx, base: base}
	w.waitRecorded(t, w.cam1, 40*time.Second, 90*time.Second)
	b.signIn(w.C.Email, w.C.Password)
	b.do(chromedp.Navigate(base+"/video/cameras/"+itoa(w.cam1)), chromedp.WaitVisible(chromedp.CSS("#timeline .tl-spans span")))

	// The 10-minute view: a step is 5 s. End, five steps back (25 s ago),
	// Shift+Enter, two steps on (15 s ago), Shift+Enter: 10 s selected.
	shift := chromedp.KeyModifiers(chromedp.ModifierShift)
	// The click waits for the event marks to have loaded (they redraw the
	// timeline and may move the buttons under a click in flight) and must
	// show as pressed before the keys count on its 5 s steps.
	b.do(chromedp.WaitReady(chromedp.CSS("#timeline[data-events]")))
	b.click(".zoom button[data-zoom='600']")
	b.do(chromedp.WaitVisible(chromedp.CSS(".zoom button[data-zoom='600'][aria-pressed='true']")))
	b.do(chromedp.Focus(chromedp.CSS("#timeline")), chromedp.KeyEvent(kb.End))
	for range 5 {
		b.do(chromedp.KeyEvent(kb.ArrowLeft))
	}
	b.do(chromedp.KeyEvent(kb.Enter, shift), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.Enter, shift))
	b.do(chromedp.WaitVisible(chromedp.CSS("#clipbox")))
	if got := b.text("#clip-range"); !strings.Contains(got, "(10 s)") {
		t.Fatalf("selection: %q", got)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#clip-name"), "Delivery at the gate"))
	b.click("#clip-save")
	b.do(chromedp.WaitVisible(chromedp.CSS("#clip-progress progress")))
	testenv.Screenshot(t, ctx, "video-clip-progress")
	b.do(chromedp.WaitVisible(chromedp.CSS("#clip-download")))
	if p := b.eval(`document.querySelector("#clip-progress progress").value`); p != "100" {
		t.Fatalf("progress when ready: %s", p)
	}
	testenv.Screenshot(t, ctx, "video-clip-saved")

	// The download is a valid MP4 of the asked length.
	href := b.eval(`document.getElementById("clip-download").getAttribute("href")`)
	req, _ := http.NewRequest("GET", w.e.URL+href, nil)
	req.Header.Set("Authorization", "Bearer "+w.C.Token)
	resp, err := w.e.HTTP.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download %s: %v %v", href, err, resp)
	}
	file := filepath.Join(t.TempDir(), "clip.mp4")
	f, _ := os.Create(file)
	_, _ = io.Copy(f, resp.Body)
	resp.Body.Close()
	f.Close()
	if codec, width, _, dur := ffprobeVideo(t, file); codec != "h264" || width != 1280 || dur < 9*time.Second || dur > 11*time.Second {
		t.Fatalf("clip: %s %d px, %s (want 10 s ± 1 s)", codec, width, dur)
	}

	// Share it; the link plays in a fresh profile, signed out.
	b.click("#share-clip")
	b.do(chromedp.WaitVisible(chromedp.CSS("#share-dialog #share-create")))
	b.click("#share-create")
	b.do(chromedp.WaitVisible(chromedp.CSS("#share-url")))
	link := b.eval(`document.getElementById("share-url").value`)
	if !strings.HasPrefix(link, base+"/s/") {
		t.Fatalf("share link %q", link)
	}
	testenv.Screenshot(t, ctx, "video-share-dialog")
	fresh := testenv.Browser(t)
	g := &browser{t: t, ctx: fresh, base: base}
	g.do(chromedp.Navigate(link), chromedp.WaitReady(chromedp.CSS("#player")))
	g.eval(`(function(){var v=document.getElementById("player");v.muted=true;v.play().catch(function(){});return 1})()`)
	g.waitVideoPlays("#player", 15*time.Second)
	testenv.Screenshot(t, fresh, "video-share-open")

	// Revoked from the dialog: the link stops working.
	b.click("#share-revoke")
	b.do(chromedp.WaitVisible(chromedp.CSS("#share-revoke[disabled]")))
	g.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("[role=alert]")))
	if s := g.eval(`document.body.innerText`); strings.Contains(s, "Delivery at the gate") || g.eval(`!!document.getElementById("player")`) != "false" {
		t.Fatalf("revoked link still shows the clip: %s", s)
	}
	if st := statusOf(t, link); st != http.StatusGone {
		t.Fatalf("revoked link answers %d, want 410", st)
	}
	testenv.Screenshot(t, fresh, "video-share-revoked")
}

func statusOf(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// ffprobeVideo returns a file's video codec, width, height and duration.
func ffprobeVideo(t *testing.T, path string) (codec string, width, height int, dur time.Duration) {
	t.Helper()
	out, err := runFFprobe(path)
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	f := strings.Split(strings.TrimSpace(out), "\n")
	// codec_name, width, height of the video stream, then the format duration
	if len(f) < 4 {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	width, _ = strconv.Atoi(f[1])
	height, _ = strconv.Atoi(f[2])
	secs, _ := strconv.ParseFloat(f[3], 64)
	return f[0], width, height, time.Duration(secs * float64(time.Second))
}
