package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/media/simcam"
)

// TestPlaybackLongerThanAnHour: a recorded stretch of 75 minutes — one real
// segment the recorder wrote from the simulated camera, indexed back to back
// as many times as it takes (hard links, so the files are real recorder
// output and cost no disk) — plays all of it through the API's hour-long
// requests as the portal's player chains them: the first hour, then the
// rest, with nothing lost or doubled at the join. A seek made while the
// first hour is still loading (the player asks for the video from the
// sought moment) is answered at once with the stretch from the keyframe at
// or before that moment to the end, and ffmpeg decodes it from its first
// frame.
func TestPlaybackLongerThanAnHour(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		// A light clip (1 s GOP, 100 kbit/s): an hour of it is ~50 MB.
		sim := startSimcamClip(t, simcam.ClipOptions{Width: 320, Height: 180, FPS: 25, GOP: 25, BitrateKbps: 100, Seconds: 4})
		ct := newCamTree(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "6s"}})
		e, A, C := ct.e, ct.A, ct.C
		r := recEnv{camTree: ct}
		r.cam = e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Sim 1",
			"rtsp_url": sim.URL(1), "customer_id": C.ID, "plan_id": ct.P}).ID()
		seg := r.waitSegments(t, 1, time.Time{}, 30*time.Second)[0]
		e.Must(200, "PATCH", camPath(r.cam), A.Token, map[string]any{"enabled": false})

		// The archive camera (not pulled) holds the 75 minutes.
		arch := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Archive",
			"rtsp_url": "rtsp://10.0.0.9/archive"}).ID()
		e.Must(200, "PATCH", camPath(arch), A.Token, map[string]any{"enabled": false, "customer_id": C.ID, "plan_id": ct.P})
		d := seg.End.Sub(seg.Start)
		if d < 5*time.Second || d > 7*time.Second {
			t.Fatalf("the recorded segment lasts %s, want about 6 s", d)
		}
		total := 75 * time.Minute
		n := int((total + d - 1) / d)
		total = time.Duration(n) * d
		spanStart := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		for i := range n {
			p := filepath.Join(dir, fmt.Sprintf("%05d.mp4", i))
			if err := os.Link(seg.Path, p); err != nil {
				t.Fatal(err)
			}
			s := camera.Segment{CameraID: arch, Start: spanStart.Add(time.Duration(i) * d), End: spanStart.Add(time.Duration(i+1) * d),
				Bytes: seg.Bytes, Path: p, Codec: seg.Codec, Width: seg.Width, Height: seg.Height}
			if _, err := e.Main.Store.W().InsertSegment(ctx, &s); err != nil {
				t.Fatal(err)
			}
		}
		spans := e.Must(200, "GET", camPath(arch, fmt.Sprintf("/recordings?from=%d&to=%d", spanStart.Add(-time.Minute).UnixMilli(),
			time.Now().UnixMilli())), C.Token, nil).Body
		if strings.Count(string(spans), `"start"`) != 1 {
			t.Fatalf("the 75 minutes are not one span: %s", spans)
		}

		playback := func(from time.Time) string {
			return e.URL + camPath(arch, fmt.Sprintf("/playback?start=%d&duration=3600", from.UnixMilli()))
		}
		get := func(from time.Time) *http.Response {
			req, _ := http.NewRequestWithContext(ctx, "GET", playback(from), nil)
			req.Header.Set("Authorization", "Bearer "+C.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("playback from %s: %d %s", from.Format(time.TimeOnly), resp.StatusCode, b)
			}
			return resp
		}
		save := func(name string, body io.Reader) string {
			p := filepath.Join(t.TempDir(), name)
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(f, body); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			return p
		}

		// The first hour starts to load; the viewer seeks to 40 minutes in
		// before it has arrived.
		first := get(spanStart)
		defer first.Body.Close()
		head := make([]byte, 1<<20)
		if _, err := io.ReadFull(first.Body, head); err != nil {
			t.Fatal(err)
		}
		seekTo := spanStart.Add(40*time.Minute + 3500*time.Millisecond)
		asked := time.Now()
		seek := get(seekTo)
		sought := save("seek.mp4", seek.Body)
		seek.Body.Close()
		t.Logf("the seek's stretch (35 min) arrived %s after asking, with the first hour still loading", time.Since(asked).Round(time.Millisecond))
		// From the keyframe at or before the moment (1 s GOP) to the end.
		if _, _, _, got := ffprobeFile(t, sought); got < total-40*time.Minute-3500*time.Millisecond || got > total-40*time.Minute-2500*time.Millisecond+100*time.Millisecond {
			t.Errorf("the seek to 40:03.5 plays %s, want the %s from the keyframe before it to the end", got, total-40*time.Minute-3500*time.Millisecond)
		}
		decodesFromFirstFrame(t, sought)

		// The first hour, then what the player asks for when it ends.
		hour := save("hour.mp4", io.MultiReader(strings.NewReader(string(head)), first.Body))
		rest := get(spanStart.Add(time.Hour))
		restFile := save("rest.mp4", rest.Body)
		rest.Body.Close()
		_, w, h, got1 := ffprobeFile(t, hour)
		_, _, _, got2 := ffprobeFile(t, restFile)
		t.Logf("%d segments of %s: first request %s, second %s (%dx%d)", n, d, got1, got2, w, h)
		if w != 320 || h != 180 {
			t.Errorf("playback is %dx%d", w, h)
		}
		if !near(got1, time.Hour, 100*time.Millisecond) {
			t.Errorf("the first request plays %s, want the whole hour", got1)
		}
		// The second starts at the keyframe at or before the hour (the hour
		// falls on a segment boundary here or inside a GOP): at most one GOP
		// is shown twice, nothing is missing.
		if got2 < total-time.Hour || got2 > total-time.Hour+time.Second+100*time.Millisecond {
			t.Errorf("the second request plays %s, want the remaining %s", got2, total-time.Hour)
		}
		decodesFromFirstFrame(t, restFile)
	})
}

// decodesFromFirstFrame checks that the file's first video packet is a
// keyframe and that its first seconds decode without an error.
func decodesFromFirstFrame(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v", "-read_intervals", "%+#1",
		"-show_entries", "packet=flags", "-of", "csv=p=0", path).CombinedOutput()
	if err != nil || !strings.HasPrefix(strings.TrimSpace(string(out)), "K") {
		t.Errorf("%s: the first packet is not a keyframe: %v %q", filepath.Base(path), err, out)
	}
	out, err = exec.Command("ffmpeg", "-v", "error", "-t", "5", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) != 0 {
		t.Errorf("%s: decoding the first seconds: %v %s", filepath.Base(path), err, out)
	}
}
