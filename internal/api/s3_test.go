package api_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/fleet"
	"github.com/vigilo/vigilo/internal/objstore"
	"github.com/vigilo/vigilo/internal/testenv"
)

// waitUploaded waits until the first n segments of the camera point at an
// object and returns every segment.
func (r recEnv) waitUploaded(t *testing.T, n int, within time.Duration) []camera.Segment {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		segs := r.segments(t)
		k := 0
		for _, s := range segs {
			if s.Object != "" {
				k++
			}
		}
		if k >= n && len(segs) >= n {
			return segs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d segments uploaded within %s, want %d", k, len(segs), within, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// playbackProbe plays [start, start+2s) through the API of e and checks
// the MP4 with ffprobe.
func playbackProbe(t *testing.T, e *apitest.Env, tok string, cam int64, start time.Time) int {
	t.Helper()
	resp, body := getRaw(t, e, camPath(cam, "/playback?duration=2&start="+strconv.FormatInt(start.UnixMilli(), 10)), tok, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("playback: %d %.300s", resp.StatusCode, body)
	}
	codec, w, h, dur := ffprobeBody(t, body)
	if codec != "h264" || w != 640 || h != 360 || !near(dur, 2*time.Second, time.Second) {
		t.Fatalf("playback from S3: %s %dx%d %s", codec, w, h, dur)
	}
	return len(body)
}

// TestRecordingToS3 records a simulated camera with video in a real S3
// server (versitygw): finished segments are uploaded and their local copies
// go; playback and clips read them back from the bucket with range
// requests (on PostgreSQL also through a second node that records nothing
// and has its own disk); while S3 is down recording goes on into the local
// buffer and the queue catches up when it is back; retention and camera
// deletion delete the objects.
func TestRecordingToS3(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		sim := startSimcam(t)
		s3 := testenv.S3(t)
		env := s3.Env()
		env["VIGILO_RECORD"], env["VIGILO_SEGMENT_LENGTH"] = "true", "2s"
		ct := newCamTree(t, apitest.Options{Postgres: pg, Env: env})
		e, A := ct.e, ct.A
		r := recEnv{camTree: ct, dir: e.Main.Recording().Dir()}
		r.cam = e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Sim S3",
			"rtsp_url": sim.URL(1), "username": "cam", "password": "cam-pw"}).ID()
		assigned := time.Now()
		e.Must(200, "PATCH", camPath(r.cam), A.Token, map[string]any{"customer_id": ct.C.ID, "plan_id": ct.P})

		// Uploaded, the index points at the object, the local copy is gone.
		r.waitSegments(t, 3, assigned, 20*time.Second)
		segs := r.waitUploaded(t, 3, 20*time.Second)
		for _, s := range segs[:3] {
			if _, err := os.Stat(s.Path); !os.IsNotExist(err) {
				t.Fatalf("local copy %s still there after upload (VIGILO_S3_LOCAL_CACHE=0): %v", s.Path, err)
			}
			fi, err := os.Stat(s3.ObjectPath(s.Object))
			if err != nil || fi.Size() != s.Bytes {
				t.Fatalf("object %s in the bucket: %v (index says %d bytes)", s.Object, err, s.Bytes)
			}
		}
		if got := metricValue(t, e, "vigilo_s3_uploaded_bytes_total"); got < float64(segs[0].Bytes+segs[1].Bytes) {
			t.Fatalf("vigilo_s3_uploaded_bytes_total = %v", got)
		}

		// Playback across the cut between two uploaded segments comes from
		// the bucket (there is no local file left to read).
		n := playbackProbe(t, e, ct.C.Token, r.cam, segs[0].End.Add(-time.Second))
		t.Logf("playback of 2 s across two segments read from S3: %d bytes", n)
		// A clip of those segments is stitched from the bucket too.
		clip := e.Must(202, "POST", camPath(r.cam, "/clips"), ct.C.Token, map[string]any{
			"start": segs[0].Start.Format(time.RFC3339Nano), "duration": 3, "name": "from S3"}).ID()
		if c := waitClip(t, e, ct.C.Token, clip); c.JSON["status"] != "ready" {
			t.Fatalf("clip from S3: %s", c.Body)
		}
		resp, body := getRaw(t, e, "/api/v1/clips/"+itoa(clip)+"/download", ct.C.Token, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("clip download: %d", resp.StatusCode)
		}
		if codec, _, _, dur := ffprobeBody(t, body); codec != "h264" || !near(dur, 3*time.Second, time.Second) {
			t.Fatalf("clip from S3: %s %s", codec, dur)
		}
		// The clip's file went to the bucket too: without the writer's
		// local copy (as on any other node) it is served from there.
		saved, err := e.Main.Store.R().Clip(context.Background(), clip)
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(s3.ObjectPath(saved.ObjectKey())); err != nil || fi.Size() != saved.Bytes {
			t.Fatalf("the clip's object %s: %v (clip of %d bytes)", saved.ObjectKey(), err, saved.Bytes)
		}
		if err := os.Remove(saved.Path); err != nil {
			t.Fatal(err)
		}
		resp, again := getRaw(t, e, "/api/v1/clips/"+itoa(clip)+"/download", ct.C.Token, nil)
		if resp.StatusCode != 200 || !bytes.Equal(again, body) {
			t.Fatalf("clip download from the bucket: %d, %d bytes of %d", resp.StatusCode, len(again), len(body))
		}

		if pg {
			// Another node on the same database and bucket, recording
			// nothing, with a disk of its own, plays the same range.
			env2 := s3.Env()
			env2["VIGILO_DB_URL"] = e.Main.Config.DBURL
			api2 := apitest.Boot(t, apitest.Options{Env: env2})
			if api2.Main.Recording() != nil || api2.Main.Uploads() != nil {
				t.Fatal("the second node records")
			}
			tok2 := api2.Login(ct.C.Email, ct.C.Password)
			playbackProbe(t, api2, tok2, r.cam, segs[1].End.Add(-time.Second))
			// The clip another node wrote, with a range request.
			resp, part := getRaw(t, api2, "/api/v1/clips/"+itoa(clip)+"/download", tok2, map[string]string{"Range": "bytes=100-199"})
			if resp.StatusCode != 206 || !bytes.Equal(part, body[100:200]) {
				t.Fatalf("a range of the clip through another node: %d, %d bytes", resp.StatusCode, len(part))
			}
		}
		// Deleting the clip deletes its object.
		e.Must(200, "DELETE", "/api/v1/clips/"+itoa(clip), ct.C.Token, nil)
		if _, err := os.Stat(s3.ObjectPath(saved.ObjectKey())); !os.IsNotExist(err) {
			t.Fatalf("a deleted clip's object is still in the bucket: %v", err)
		}

		// S3 down: recording goes on into the local buffer.
		s3.Stop()
		down := time.Now()
		during := r.waitSegments(t, 3, down.Add(time.Second), 20*time.Second)
		var buffered []camera.Segment
		for _, s := range during {
			if s.Start.After(down.Add(time.Second)) {
				buffered = append(buffered, s)
				if s.Object != "" {
					t.Fatalf("segment %s has an object while S3 is down", s.Path)
				}
				if _, err := os.Stat(s.Path); err != nil {
					t.Fatalf("buffered segment %s not on local disk: %v", s.Path, err)
				}
			}
		}
		if st := e.Main.Uploads().Stats(); st.Pending < len(buffered) || st.Oldest.IsZero() {
			t.Fatalf("queue while S3 is down: %+v, %d segments buffered", st, len(buffered))
		}
		if lag := metricValue(t, e, "vigilo_s3_upload_lag_seconds"); lag <= 0 {
			t.Fatalf("vigilo_s3_upload_lag_seconds = %v while S3 is down", lag)
		}
		// Back: the queue catches up.
		s3.Start()
		back := time.Now()
		deadline := time.Now().Add(60 * time.Second)
		for {
			all := true
			for _, s := range buffered {
				if row := r.segmentByID(t, s.ID); row.Object == "" {
					all = false
				}
			}
			if all {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("buffered segments not uploaded 60 s after S3 came back: %+v", e.Main.Uploads().Stats())
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("%d segments buffered during a %s outage uploaded %s after S3 came back", len(buffered),
			back.Sub(down).Round(time.Millisecond), time.Since(back).Round(time.Millisecond))
		playbackProbe(t, e, ct.C.Token, r.cam, buffered[0].End.Add(-time.Second))

		// Retention with a moved clock deletes the expired objects.
		at := time.Now()
		e.Must(200, "PATCH", camPath(r.cam), A.Token, map[string]any{"enabled": false})
		r.assertStops(t, "before retention", at)
		all := r.waitUploaded(t, len(r.segments(t)), 30*time.Second)
		res, err := e.Main.Recording().RunRetention(context.Background(), all[1].End.Add(7*24*time.Hour))
		if err != nil || res.Expired != 2 {
			t.Fatalf("retention: %+v %v", res, err)
		}
		for i, s := range all {
			_, err := os.Stat(s3.ObjectPath(s.Object))
			if gone := os.IsNotExist(err); gone != (i < 2) {
				t.Fatalf("object %d (%s) gone=%v after retention of the first two", i, s.Object, gone)
			}
		}

		// Deleting the camera deletes the rest of its objects.
		e.Must(200, "DELETE", camPath(r.cam), A.Token, nil)
		prefix := s3.ObjectPath(strconv.FormatInt(r.cam, 10))
		deadline = time.Now().Add(30 * time.Second)
		for {
			left := 0
			_ = filepath.WalkDir(prefix, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					left++
				}
				return nil
			})
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d objects of the deleted camera left in the bucket", left)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}

func (r recEnv) segmentByID(t *testing.T, id int64) camera.Segment {
	t.Helper()
	for _, s := range r.segments(t) {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("segment %d left the index", id)
	return camera.Segment{}
}

// The operator sees each recorder's S3 upload backlog on /cluster/nodes, as
// the recorder last reported it; a node that reports none shows none.
func TestClusterNodesShowUploadQueue(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		ctx := context.Background()
		now := time.Now()
		w := e.Main.Store.W()
		for _, id := range []string{"api-1", "rec-1"} {
			if ok, err := w.Heartbeat(ctx, fleet.Node{ID: id, Instance: id, Roles: []string{"api"}, StartedAt: now, LastSeen: now},
				5*time.Second); err != nil || !ok {
				t.Fatalf("heartbeat %s: %v %v", id, ok, err)
			}
		}
		if err := w.PutUploadQueue(ctx, fleet.UploadQueue{NodeID: "rec-1", Segments: 3, Bytes: 3 << 20,
			Oldest: now.Add(-10 * time.Second), Reported: now}); err != nil {
			t.Fatal(err)
		}
		items := e.Must(200, "GET", "/api/v1/cluster/nodes", e.Root, nil).Items()
		if len(items) != 2 {
			t.Fatalf("nodes: %v", items)
		}
		if _, ok := items[0]["upload_queue"]; ok || items[0]["id"] != "api-1" {
			t.Fatalf("a node without a report shows an upload queue: %v", items[0])
		}
		q, _ := items[1]["upload_queue"].(map[string]any)
		if q == nil || q["segments"] != float64(3) || q["bytes"] != float64(3<<20) || q["lag_seconds"].(float64) < 10 {
			t.Fatalf("rec-1 upload queue: %v", items[1])
		}
	})
}

// Deleting an account deletes the objects of its cameras from the bucket,
// also those no local directory of this recorder knows (written by another
// recorder of a cluster); another account's camera keeps its objects.
func TestAccountDeletionDeletesObjects(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		s3 := testenv.S3(t)
		env := s3.Env()
		env["VIGILO_RECORD"] = "true"
		ct := newCamTree(t, apitest.Options{Postgres: pg, Env: env})
		e := ct.e
		// Cameras that never connect: only their objects matter here.
		camA := e.Must(201, "POST", "/api/v1/cameras", ct.A.Token, map[string]any{"type": "generic", "name": "A1",
			"rtsp_url": "rtsp://127.0.0.1:1/none", "enabled": false}).ID()
		camB := e.Must(201, "POST", "/api/v1/cameras", ct.B.Token, map[string]any{"type": "generic", "name": "B1",
			"rtsp_url": "rtsp://127.0.0.1:1/none", "enabled": false}).ID()
		objs, err := objstore.New(context.Background(), objstore.Config{Endpoint: s3.Endpoint, Bucket: s3.Bucket,
			Region: s3.Region, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey, PathStyle: true})
		if err != nil {
			t.Fatal(err)
		}
		defer objs.Close()
		src := filepath.Join(t.TempDir(), "seg.mp4")
		if err := os.WriteFile(src, []byte("not really video"), 0o600); err != nil {
			t.Fatal(err)
		}
		before := time.Now().Add(-time.Hour).UnixMilli()
		for _, cam := range []int64{camA, camB} {
			for i := range 2 {
				key := strconv.FormatInt(cam, 10) + "/2026/12/01/" + strconv.FormatInt(before+int64(i)*2000, 10) + ".mp4"
				if _, err := objs.PutFile(context.Background(), key, src); err != nil {
					t.Fatal(err)
				}
			}
		}
		e.Must(200, "DELETE", "/api/v1/accounts/"+itoa(ct.A.ID), e.Root, map[string]any{"confirm_name": "Integrator A", "cascade": true})
		count := func(cam int64) int {
			list, err := objs.List(context.Background(), strconv.FormatInt(cam, 10)+"/")
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		deadline := time.Now().Add(30 * time.Second)
		for count(camA) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d objects of the deleted account's camera left in the bucket", count(camA))
			}
			time.Sleep(200 * time.Millisecond)
		}
		if n := count(camB); n != 2 {
			t.Fatalf("the other account's camera has %d objects left, want 2", n)
		}
	})
}
