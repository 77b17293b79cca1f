package web_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/media/simcam"
	"github.com/vigilo/vigilo/internal/testenv"
)

// videoClip is a 1280×720 camera with a one-second GOP: the live player's
// videoWidth is checked against it, and keyframe waits stay short.
var videoClip = simcam.ClipOptions{Width: 1280, Height: 720, FPS: 25, GOP: 25, BitrateKbps: 1200, Seconds: 6}

func startVideoSimcam(t *testing.T) *simcam.Server {
	t.Helper()
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := simcam.GenerateClip(ctx, filepath.Join(os.TempDir(), "vigilo-simcam-clips"), videoClip)
	if err != nil {
		t.Fatal(err)
	}
	clip, err := simcam.LoadClip(p)
	if err != nil {
		t.Fatal(err)
	}
	s := simcam.New(clip)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// videoWorld is camPortal recording two simulated cameras assigned to C.
type videoWorld struct {
	camPortal
	sim        *simcam.Server
	cam1, cam2 int64
}

// recordingEnv is what the video tests boot: a recorder with short
// segments (apitest allows the loopback simulator as a camera address).
var recordingEnv = map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s"}

func newVideoWorld(t *testing.T, o apitest.Options) videoWorld {
	t.Helper()
	sim := startVideoSimcam(t)
	if o.Env == nil {
		o.Env = map[string]string{}
	}
	for k, v := range recordingEnv {
		o.Env[k] = v
	}
	e := apitest.Boot(t, o)
	w := videoWorld{camPortal: newCamPortal(t, e), sim: sim}
	for i, id := range []*int64{&w.cam1, &w.cam2} {
		*id = e.Must(201, "POST", "/api/v1/cameras", w.A.Token, map[string]any{"type": "generic",
			"name": []string{"Front gate", "Loading dock"}[i], "rtsp_url": sim.URL(i + 1)}).ID()
		e.Must(200, "PATCH", "/api/v1/cameras/"+itoa(*id), w.A.Token, map[string]any{"customer_id": w.C.ID, "plan_id": w.P})
	}
	return w
}

// waitRecorded waits until camera id has recordings going back at least
// back from now (polling the recorded spans through the API).
func (w videoWorld) waitRecorded(t *testing.T, id int64, back, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := w.e.Do("GET", "/api/v1/cameras/"+itoa(id)+"/recordings", w.A.Token, nil)
		var spans []struct{ Start, End time.Time }
		if r.Status == 200 && json.Unmarshal(r.Body, &spans) == nil && len(spans) > 0 && time.Since(spans[0].Start) >= back {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("camera %d: no recording from %s ago within %s: %d %s", id, back, within, r.Status, r.Body)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// runFFprobe prints the first video stream's codec, width and height and
// the file's duration, one a line.
func runFFprobe(path string) (string, error) {
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height:format=duration",
		"-of", "default=noprint_wrappers=1:nokey=1", path).CombinedOutput()
	return string(out), err
}

// newTabWithScript opens a tab in the browser of ctx whose pages run js
// before any of their own scripts (to take WebRTC away, or to shorten the
// playback requests).
func newTabWithScript(t *testing.T, ctx context.Context, js string) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab, chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(c, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: js})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	return tab
}
