package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/media/simcam"
	"github.com/vigilo/vigilo/internal/recording"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/testenv"
)

// A small clip with a one-second GOP keeps keyframe waits (and so the
// tests) short.
var recClip = simcam.ClipOptions{Width: 640, Height: 360, FPS: 25, GOP: 25, BitrateKbps: 800, Seconds: 6}

func startSimcam(t *testing.T) *simcam.Server { return startSimcamClip(t, recClip) }

func startSimcamClip(t *testing.T, o simcam.ClipOptions) *simcam.Server {
	t.Helper()
	testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := simcam.GenerateClip(ctx, filepath.Join(os.TempDir(), "vigilo-simcam-clips"), o)
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

type probed struct {
	Streams []struct {
		CodecName string `json:"codec_name"`
		CodecType string `json:"codec_type"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// ffprobeFile validates a file with ffprobe and returns its video codec,
// size and duration.
func ffprobeFile(t *testing.T, path string) (codec string, w, h int, dur time.Duration) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries",
		"stream=codec_name,codec_type,width,height:format=duration", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	var p probed
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe: %v: %s", err, out)
	}
	for _, s := range p.Streams {
		if s.CodecType == "video" {
			codec, w, h = s.CodecName, s.Width, s.Height
		}
	}
	secs, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return codec, w, h, time.Duration(secs * float64(time.Second))
}

// ffprobeBody validates an MP4 received over HTTP, as ffprobeFile.
func ffprobeBody(t *testing.T, body []byte) (codec string, w, h int, dur time.Duration) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "body.mp4")
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return ffprobeFile(t, p)
}

var mediaSegmentPath = media.SegmentPath

func near(a, b, tol time.Duration) bool { return math.Abs(float64(a-b)) <= float64(tol) }

// recEnv is a booted server that records, with the camera tree of newCamTree.
type recEnv struct {
	camTree
	cam int64
	dir string
}

func (r recEnv) segments(t *testing.T) []camera.Segment {
	t.Helper()
	segs, err := r.e.Main.Store.R().SegmentsInRange(context.Background(), r.cam, time.UnixMilli(0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

// waitSegments waits until a segment that started after since is indexed.
func (r recEnv) waitSegments(t *testing.T, n int, since time.Time, within time.Duration) []camera.Segment {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		segs := r.segments(t)
		k := 0
		for _, s := range segs {
			if !s.Start.Before(since) {
				k++
			}
		}
		if k >= n {
			return segs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d segments since %s not indexed within %s (have %d in all)", n, since.Format(time.TimeOnly), within, len(segs))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// diskBytes sums the camera's files, finished and in progress.
func (r recEnv) diskBytes(t *testing.T) int64 {
	t.Helper()
	var n int64
	_ = filepath.WalkDir(filepath.Join(r.dir, strconv.FormatInt(r.cam, 10)), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// assertStops checks that within 2 s of the change no new byte reaches the
// disk (measured again 2 s later) and the recorder let go of the camera.
func (r recEnv) assertStops(t *testing.T, what string, changed time.Time) {
	t.Helper()
	for slices.Contains(r.e.Main.Recording().Running(), r.cam) {
		if time.Since(changed) > 2*time.Second {
			t.Fatalf("%s: camera still running 2 s later", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("%s: recorder let go of the camera %s after the request", what, time.Since(changed).Round(time.Millisecond))
	time.Sleep(time.Until(changed.Add(2 * time.Second)))
	a := r.diskBytes(t)
	time.Sleep(2 * time.Second)
	if b := r.diskBytes(t); b != a {
		t.Fatalf("%s: %d new bytes on disk after it should have stopped", what, b-a)
	}
}

func (r recEnv) assertResumes(t *testing.T, what string, since time.Time) {
	t.Helper()
	base := r.diskBytes(t)
	for r.diskBytes(t) == base && time.Since(since) < 10*time.Second {
		time.Sleep(5 * time.Millisecond)
	}
	firstPart := time.Since(since)
	r.waitSegments(t, 1, since, 10*time.Second)
	t.Logf("%s: first bytes on disk after %s, first segment indexed after %s", what,
		firstPart.Round(time.Millisecond), time.Since(since).Round(time.Millisecond))
}

func TestRecordingEndToEnd(t *testing.T) {
	camDBsAtOnce(t, func(t *testing.T, pg bool) {
		sim := startSimcam(t)
		ct := newCamTree(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s"}})
		e, A := ct.e, ct.A
		r := recEnv{camTree: ct, dir: e.Main.Recording().Dir()}
		r.cam = e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Sim 1",
			"rtsp_url": sim.URL(1), "username": "cam", "password": "cam-pw"}).ID()
		assigned := time.Now()
		e.Must(200, "PATCH", camPath(r.cam), A.Token, map[string]any{"customer_id": ct.C.ID, "plan_id": ct.P})

		// Segments are written, indexed and valid video.
		segs := r.waitSegments(t, 3, assigned, 20*time.Second)
		t.Logf("first segment indexed %s after assignment", segs[0].End.Sub(assigned).Round(time.Millisecond))
		for _, s := range segs[:2] {
			codec, w, h, dur := ffprobeFile(t, s.Path)
			if codec != "h264" || w != 640 || h != 360 || s.Codec != "h264" || s.Width != 640 || s.Height != 360 {
				t.Fatalf("segment %s: %s %dx%d (index %s %dx%d)", s.Path, codec, w, h, s.Codec, s.Width, s.Height)
			}
			if !near(dur, s.End.Sub(s.Start), time.Second) || !near(dur, 2*time.Second, time.Second) {
				t.Fatalf("segment %s lasts %s, indexed %s, segment length 2s", s.Path, dur, s.End.Sub(s.Start))
			}
		}
		got := e.Must(200, "GET", camPath(r.cam), A.Token, nil).JSON
		st := got["status"].(map[string]any)
		if st["state"] != "recording" || st["online"] != true || st["recording"] != true || st["last_segment_at"] == nil {
			t.Fatalf("status while recording: %v", st)
		}
		// The statistics tab counts it online and recording, from what the
		// recorder reported (the per-account counters, up the tree).
		camCounts := func(id int64) string {
			c := obj(e.Must(200, "GET", "/api/v1/accounts/"+itoa(id)+"/statistics", e.Root, nil).JSON, "cameras")
			return fmt.Sprintf("%v/%v/%v", c["total"], c["online"], c["recording"])
		}
		waitFor(t, 5*time.Second, "the tab to count the camera online and recording", func() bool {
			return camCounts(ct.C.ID) == "1/1/1" && camCounts(A.ID) == "1/1/1" && camCounts(1) == "1/1/1"
		})

		// Billing starts with the first segment the recorder indexed.
		fvText, _ := got["first_video_at"].(string)
		if fv, err := time.Parse(time.RFC3339, fvText); err != nil || !fv.Equal(segs[0].Start) {
			t.Fatalf("first_video_at %v, first segment %s", got["first_video_at"], segs[0].Start)
		}

		// One span for continuous recording.
		rec := e.Must(200, "GET", camPath(r.cam, "/recordings?from=0"), ct.C.Token, nil)
		var spans []struct {
			Start, End time.Time
			Bytes      int64
		}
		if err := json.Unmarshal(rec.Body, &spans); err != nil || len(spans) != 1 {
			t.Fatalf("spans: %v %s", err, rec.Body)
		}
		if !spans[0].Start.Equal(segs[0].Start) || spans[0].End.Before(segs[2].End) {
			t.Fatalf("span %v..%v does not cover segments from %v to %v", spans[0].Start, spans[0].End, segs[0].Start, segs[2].End)
		}

		// Playback across the cut between the first two segments is one MP4.
		start := segs[0].End.Add(-time.Second)
		req, _ := http.NewRequest("GET", e.URL+camPath(r.cam, "/playback?duration=2&start="+strconv.FormatInt(start.UnixMilli(), 10)), nil)
		req.Header.Set("Authorization", "Bearer "+ct.C.Token)
		resp, err := e.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
			t.Fatalf("playback: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		codec, w, h, dur := ffprobeBody(t, body)
		if codec != "h264" || w != 640 || h != 360 || !near(dur, 2*time.Second, time.Second) {
			t.Fatalf("playback file: %s %dx%d %s", codec, w, h, dur)
		}
		t.Logf("playback of 2s across two segments: %d bytes, %s", len(body), dur)
		today := time.Now().UTC().Format(time.DateOnly)
		if n, err := e.Main.Store.R().CameraTraffic(context.Background(), r.cam, today, today); err != nil || n != int64(len(body)) {
			t.Fatalf("traffic metered %d, served %d (%v)", n, len(body), err)
		}
		// The same work shows in Prometheus.
		if got := metricValue(t, e, "vigilo_playback_bytes_total"); got != float64(len(body)) {
			t.Fatalf("vigilo_playback_bytes_total = %v, served %d", got, len(body))
		}
		if got := metricValue(t, e, "vigilo_recording_bytes_total"); got <= 0 {
			t.Fatalf("vigilo_recording_bytes_total = %v after segments were indexed", got)
		}
		if got := metricValue(t, e, "vigilo_recorder_cameras_running"); got != 1 {
			t.Fatalf("vigilo_recorder_cameras_running = %v, want 1", got)
		}

		// Disabling the customer's parent integrator stops recording; enabling resumes it.
		at := time.Now()
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(A.ID)+"/disable", e.Root, nil)
		r.assertStops(t, "disable integrator", at)
		if st := e.Must(200, "GET", camPath(r.cam), e.Root, nil).JSON["status"].(map[string]any); st["state"] != "idle" {
			t.Fatalf("status while disabled: %v", st)
		}
		waitFor(t, 5*time.Second, "the tab to count the disabled camera off", func() bool {
			return camCounts(ct.C.ID) == "1/0/0" && camCounts(1) == "1/0/0"
		})
		at = time.Now()
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(A.ID)+"/enable", e.Root, nil)
		r.assertResumes(t, "enable integrator", at)

		// A camera switched off on its own stays off through disable/enable.
		at = time.Now()
		e.Must(200, "PATCH", camPath(r.cam), ct.C.Token, map[string]any{"enabled": false})
		r.assertStops(t, "camera switched off", at)
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(A.ID)+"/disable", e.Root, nil)
		at = time.Now()
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(A.ID)+"/enable", e.Root, nil)
		r.assertStops(t, "enable with the camera off", at)
		at = time.Now()
		e.Must(200, "PATCH", camPath(r.cam), ct.C.Token, map[string]any{"enabled": true})
		r.assertResumes(t, "camera switched on", at)

		// Switching off cloud_recording stops it too.
		at = time.Now()
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(A.ID)+"/modules", e.Root, map[string]bool{"cloud_recording": false})
		r.assertStops(t, "cloud_recording off", at)
		at = time.Now()
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(A.ID)+"/modules", e.Root, map[string]bool{"cloud_recording": true})
		r.assertResumes(t, "cloud_recording on", at)

		// The gaps show in the recordings list.
		rec = e.Must(200, "GET", camPath(r.cam, "/recordings?from=0"), A.Token, nil)
		if err := json.Unmarshal(rec.Body, &spans); err != nil || len(spans) < 4 {
			t.Fatalf("spans after three interruptions: %v %s", err, rec.Body)
		}

		// Retention with a moved clock: exactly the expired segments go,
		// index rows and files. Stop recording first so the set is fixed.
		at = time.Now()
		e.Must(200, "PATCH", camPath(r.cam), A.Token, map[string]any{"enabled": false})
		r.assertStops(t, "before retention", at)
		all := r.segments(t)
		now := all[1].End.Add(7 * 24 * time.Hour) // plan P keeps 7 days: the first two have expired
		res, err := recording.RunRetention(context.Background(), e.Main.App, now, recording.RetentionPolicy{MinFreeBytes: -1})
		if err != nil || res.Expired != 2 || res.ForSpace != 0 {
			t.Fatalf("retention: %+v %v", res, err)
		}
		left := r.segments(t)
		if len(left) != len(all)-2 || left[0].ID != all[2].ID {
			t.Fatalf("after retention %d of %d segments left, first %d want %d", len(left), len(all), left[0].ID, all[2].ID)
		}
		for i, s := range all {
			_, err := os.Stat(s.Path)
			if gone := os.IsNotExist(err); gone != (i < 2) {
				t.Fatalf("segment %d file gone=%v after retention", i, gone)
			}
		}
		// The disk-space floor removes the oldest segments, whatever their
		// plan, until the floor is met.
		used := func() int64 {
			s, err := e.Main.Store.R().CameraStorageUsed(context.Background(), r.cam)
			if err != nil {
				t.Fatal(err)
			}
			return s.Bytes
		}
		before := used()
		floor := left[0].Bytes + left[1].Bytes
		res, err = recording.RunRetention(context.Background(), e.Main.App, time.Now(), recording.RetentionPolicy{Dir: r.dir, MinFreeBytes: floor,
			FreeBytes: func(string) (int64, int64, error) { return before - used(), 1 << 40, nil }})
		if err != nil || res.Expired != 0 || res.ForSpace != 2 {
			t.Fatalf("space floor: %+v %v", res, err)
		}
		if rest := r.segments(t); rest[0].ID != left[2].ID {
			t.Fatalf("space floor did not take the oldest first")
		}

		// Deleting the camera deletes its recordings.
		paths := r.segments(t)
		e.Must(200, "DELETE", camPath(r.cam), A.Token, nil)
		for _, s := range paths {
			if _, err := os.Stat(s.Path); !os.IsNotExist(err) {
				t.Fatalf("file %s of a deleted camera remains", s.Path)
			}
		}
	})
}

// TestRecordingRestartIndexesCrashLeftovers restarts the server on the same
// data directory over what a crash leaves behind: a segment still named
// ".part" with a torn last part, and a finished file that never reached the
// index. Both are indexed at start, the torn one cut to its last whole part,
// and recording continues.
func TestRecordingRestartIndexesCrashLeftovers(t *testing.T) {
	sim := startSimcam(t)
	env := map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s", "VIGILO_DATA_DIR": t.TempDir()}
	ct := newCamTree(t, apitest.Options{Env: env})
	e := ct.e
	r := recEnv{camTree: ct, dir: e.Main.Recording().Dir()}
	r.cam = e.Must(201, "POST", "/api/v1/cameras", ct.A.Token, map[string]any{"type": "generic", "name": "Sim 2",
		"rtsp_url": sim.URL(2), "customer_id": ct.C.ID, "plan_id": ct.P}).ID()
	r.waitSegments(t, 2, time.Time{}, 20*time.Second)
	if err := e.Main.Close(); err != nil {
		t.Fatal(err)
	}
	// Close finalized and indexed the open segment; read the index as the
	// next start will find it.
	st, err := store.Open(context.Background(), "", env["VIGILO_DATA_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	segs, err := st.R().SegmentsInRange(context.Background(), r.cam, time.UnixMilli(0), time.Now().Add(time.Hour))
	st.Close()
	if err != nil || len(segs) < 2 {
		t.Fatalf("segments after close: %d %v", len(segs), err)
	}
	last := segs[len(segs)-1]

	copyFile := func(from, to string, cut int64) {
		t.Helper()
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b[:int64(len(b))-cut], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	torn := mediaSegmentPath(r.dir, r.cam, last.End.Add(10*time.Millisecond))
	copyFile(segs[0].Path, torn+".part", 100) // the last part is incomplete
	lost := mediaSegmentPath(r.dir, r.cam, last.End.Add(20*time.Millisecond))
	copyFile(segs[1].Path, lost, 0)

	// The planted files are older than the restart, so only new recording
	// counts as resumed.
	time.Sleep(time.Until(last.End.Add(50 * time.Millisecond)))
	restarted := time.Now()
	e2 := apitest.Boot(t, apitest.Options{Env: env})
	r.camTree.e = e2
	got := map[string]camera.Segment{}
	for _, s := range r.segments(t) {
		got[s.Path] = s
	}
	rs, ok := got[torn]
	if !ok {
		t.Fatalf("the torn segment was not recovered into the index")
	}
	if _, err := os.Stat(torn + ".part"); !os.IsNotExist(err) {
		t.Fatalf("the .part file is still there: %v", err)
	}
	codec, _, _, dur := ffprobeFile(t, torn)
	if codec != "h264" || rs.End.Sub(rs.Start) >= segs[0].End.Sub(segs[0].Start) || !near(dur, rs.End.Sub(rs.Start), time.Second) {
		t.Fatalf("recovered segment: %s %s, indexed %s, original %s", codec, dur, rs.End.Sub(rs.Start), segs[0].End.Sub(segs[0].Start))
	}
	if _, ok := got[lost]; !ok {
		t.Fatalf("the finished but unindexed segment was not indexed")
	}
	r.assertResumes(t, "after restart", restarted)

	// Deleting the customer leaves the camera registered but unassigned,
	// and its recordings go: index rows with the account, files after the
	// recorder has let go of them.
	at := time.Now()
	e2.Must(200, "DELETE", "/api/v1/accounts/"+itoa(ct.C.ID), ct.A.Token, map[string]any{"confirm_name": "Customer C"})
	r.assertStops(t, "customer deleted", at)
	if got := e2.Must(200, "GET", camPath(r.cam), ct.A.Token, nil); got.JSON["customer_id"] != nil || got.JSON["segments"].(float64) != 0 {
		t.Fatalf("camera after its customer was deleted: %s", got.Body)
	}
	for r.diskBytes(t) != 0 {
		if time.Since(at) > 10*time.Second {
			t.Fatalf("%d bytes of recordings remain 10 s after the customer was deleted", r.diskBytes(t))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("recordings of the deleted customer removed from disk %s after the request", time.Since(at).Round(time.Millisecond))
}
