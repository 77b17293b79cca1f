package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/clipjob"
)

// clipEnv records one simulated camera of customer C in 2 s segments.
func newClipEnv(t *testing.T, pg bool) (recEnv, []camera.Segment) {
	t.Helper()
	sim := startSimcam(t)
	ct := newCamTree(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s"}})
	e := ct.e
	r := recEnv{camTree: ct, dir: e.Main.Recording().Dir()}
	r.cam = e.Must(201, "POST", "/api/v1/cameras", ct.A.Token, map[string]any{"type": "generic", "name": "Sim 1",
		"rtsp_url": sim.URL(1), "customer_id": ct.C.ID, "plan_id": ct.P}).ID()
	r.waitSegments(t, 4, time.Time{}, 30*time.Second)
	// Stop recording so that storage figures hold still.
	e.Must(200, "PATCH", camPath(r.cam), ct.A.Token, map[string]any{"enabled": false})
	time.Sleep(500 * time.Millisecond)
	return r, r.segments(t)
}

func waitClip(t *testing.T, e *apitest.Env, tok string, id int64) apitest.Response {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.Must(200, "GET", "/api/v1/clips/"+itoa(id), tok, nil)
		if p, ok := r.JSON["progress"].(float64); !ok || p < 0 || p > 100 {
			t.Fatalf("progress: %s", r.Body)
		}
		if r.JSON["status"] != "pending" {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("clip %d still pending: %s", id, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func getRaw(t *testing.T, e *apitest.Env, path, tok string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.URL+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestClips: bad input refused naming the field with nothing written; the
// rights and module refusals; a clip stitched from real segments that
// ffprobe reads with the asked duration; download with Range; bytes metered
// as traffic; the clip counted in storage; pending clips written after a
// restart; delete.
func TestClips(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		r, segs := newClipEnv(t, pg)
		e, C := r.e, r.C
		ctx := context.Background()
		clips := camPath(r.cam, "/clips")
		start := segs[0].Start.Add(time.Second)

		// Bad input: 400 naming the field, nothing written.
		wantFields(t, e.Do("POST", clips, C.Token, map[string]any{}), "start", "duration")
		wantFields(t, e.Do("POST", clips, C.Token, map[string]any{"start": start, "duration": 3601}), "duration")
		wantFields(t, e.Do("POST", clips, C.Token, map[string]any{"start": start, "duration": "0s"}), "duration")
		wantFields(t, e.Do("POST", clips, C.Token, map[string]any{"start": "yesterday", "duration": 4}), "start")
		wantFields(t, e.Do("POST", clips, C.Token, map[string]any{"start": start, "duration": true}), "duration")
		wantFields(t, e.Do("POST", clips, C.Token, map[string]any{"start": start, "duration": 4, "name": strings.Repeat("n", 101)}), "name")
		wantFields(t, e.Do("POST", clips, C.Token, map[string]any{"start": start.Add(-48 * time.Hour), "duration": 60}), "start")
		wantErr(t, e.Do("POST", clips, r.B.Token, map[string]any{"start": start, "duration": 4}), 404, "not_found")
		// A Guard that may play back but not save clips.
		role := e.Must(201, "POST", "/api/v1/accounts/"+itoa(C.ID)+"/roles", C.Token, map[string]any{"name": "Watcher", "portal": "video",
			"rights": []string{"view_live", "playback"}, "all_cameras": true}).ID()
		guard := addUser(t, e, C, C.Token, role, "watcher")
		resp := e.Do("POST", clips, guard, map[string]any{"start": start, "duration": 4})
		wantErr(t, resp, 403, "right_missing")
		if resp.Fields()["right"] != "save_clip" {
			t.Fatalf("right not named: %s", resp.Body)
		}
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(C.ID)+"/modules", r.A.Token, map[string]any{"clips": false})
		wantErr(t, e.Do("POST", clips, C.Token, map[string]any{"start": start, "duration": 4}), 403, "module_disabled")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(C.ID)+"/modules", r.A.Token, map[string]any{"clips": true})
		if n := len(e.Must(200, "GET", "/api/v1/clips", r.A.Token, nil).Items()); n != 0 {
			t.Fatalf("refused requests wrote %d clips", n)
		}

		// A clip of 4 s across two segments.
		resp = e.Must(202, "POST", clips, C.Token, map[string]any{"start": start.Format(time.RFC3339Nano), "duration": 4, "name": "Gate at night"})
		if resp.JSON["status"] != "pending" || resp.JSON["progress"] != float64(0) {
			t.Fatalf("new clip: %s", resp.Body)
		}
		id := resp.ID()
		done := waitClip(t, e, C.Token, id)
		if done.JSON["status"] != "ready" || done.JSON["progress"] != float64(100) || done.JSON["name"] != "Gate at night" {
			t.Fatalf("clip: %s", done.Body)
		}
		size := int64(done.JSON["bytes"].(float64))
		hresp, body := getRaw(t, e, "/api/v1/clips/"+itoa(id)+"/download", guard, nil)
		if hresp.StatusCode != 200 || hresp.Header.Get("Content-Type") != "video/mp4" || int64(len(body)) != size {
			t.Fatalf("download: %d %s %d bytes of %d", hresp.StatusCode, hresp.Header.Get("Content-Type"), len(body), size)
		}
		mp4 := filepath.Join(t.TempDir(), "clip.mp4")
		if err := os.WriteFile(mp4, body, 0o600); err != nil {
			t.Fatal(err)
		}
		if codec, w, h, dur := ffprobeFile(t, mp4); codec != "h264" || w != 640 || h != 360 || !near(dur, 4*time.Second, time.Second) {
			t.Fatalf("clip file: %s %dx%d %s", codec, w, h, dur)
		}
		hresp, part := getRaw(t, e, "/api/v1/clips/"+itoa(id)+"/download", C.Token, map[string]string{"Range": "bytes=100-1099"})
		if hresp.StatusCode != 206 || len(part) != 1000 || string(part) != string(body[100:1100]) ||
			hresp.Header.Get("Content-Range") != "bytes 100-1099/"+strconv.FormatInt(size, 10) {
			t.Fatalf("range: %d %q %d bytes", hresp.StatusCode, hresp.Header.Get("Content-Range"), len(part))
		}
		today := time.Now().UTC().Format(time.DateOnly)
		if n, err := e.Main.Store.R().CameraTraffic(ctx, r.cam, today, today); err != nil || n != size+1000 {
			t.Fatalf("traffic metered %d, served %d (%v)", n, size+1000, err)
		}
		// Listed for those who may play back the camera.
		if l := e.Must(200, "GET", "/api/v1/clips?camera_id="+itoa(r.cam), guard, nil).Items(); len(l) != 1 || l[0]["download_url"] == nil {
			t.Fatalf("guard's clips: %v", l)
		}
		wantErr(t, e.Do("GET", "/api/v1/clips/"+itoa(id), r.B.Token, nil), 404, "not_found")
		wantErr(t, e.Do("GET", "/api/v1/clips/"+itoa(id)+"/download", r.B.Token, nil), 404, "not_found")
		if l := e.Must(200, "GET", "/api/v1/clips", r.B.Token, nil).Items(); len(l) != 0 {
			t.Fatalf("another tenant lists %v", l)
		}

		// Counted in the customer's storage beside the segments.
		cs, err := e.Main.Store.R().CameraStorageUsed(ctx, r.cam)
		if err != nil {
			t.Fatal(err)
		}
		acct, _ := e.Main.Store.R().Account(ctx, C.ID)
		if n, err := e.Main.Store.R().StorageUsedInSubtree(ctx, acct.Path); err != nil || n != cs.Bytes+size {
			t.Fatalf("storage of the customer %d, want segments %d + clip %d (%v)", n, cs.Bytes, size, err)
		}

		// A clip left pending by a process that stopped is written by the
		// next one.
		left := camera.Clip{CameraID: r.cam, Name: "left pending", Start: start, Duration: 3 * time.Second}
		if err := e.Main.Store.W().InsertClip(ctx, &left); err != nil {
			t.Fatal(err)
		}
		// Its sweep removes files no clip names (a deleted account's).
		dir := filepath.Join(t.TempDir(), "clips")
		orphan := filepath.Join(dir, "999", "7-1.mp4")
		if err := os.MkdirAll(filepath.Dir(orphan), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(orphan, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(orphan, old, old); err != nil {
			t.Fatal(err)
		}
		w, err := clipjob.New(e.Main.Store, dir, slog.New(slog.DiscardHandler), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := waitClip(t, e, C.Token, left.ID)
		if got.JSON["status"] != "ready" {
			t.Fatalf("resumed clip: %s", got.Body)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(orphan); os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("orphan clip file not swept")
			}
		}
		w.Close()
		// (The server's own job may have won the race on its timer: either
		// way the clip's file is there and not swept.)
		if c, _ := e.Main.Store.R().Clip(ctx, left.ID); c.Path == "" {
			t.Fatalf("resumed clip without a file")
		} else if _, err := os.Stat(c.Path); err != nil {
			t.Fatalf("resumed clip's file swept: %v", err)
		}

		// Delete: the guard may not (no save_clip), the customer may; the
		// file goes with it.
		wantErr(t, e.Do("DELETE", "/api/v1/clips/"+itoa(id), guard, nil), 403, "right_missing")
		c, err := e.Main.Store.R().Clip(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		e.Must(200, "DELETE", "/api/v1/clips/"+itoa(id), C.Token, nil)
		if _, err := os.Stat(c.Path); !os.IsNotExist(err) {
			t.Fatalf("clip file left after delete: %v", err)
		}
		wantErr(t, e.Do("GET", "/api/v1/clips/"+itoa(id)+"/download", C.Token, nil), 404, "not_found")
	})
}
