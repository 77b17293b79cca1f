package media_test

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/media"
)

// TestMain doubles as the helper process for the crash test: with
// VIGILO_MEDIA_HELPER=record the test binary records one camera until killed.
func TestMain(m *testing.M) {
	if os.Getenv("VIGILO_MEDIA_HELPER") == "record" {
		rec := media.New(media.Config{RecordingsDir: os.Getenv("HELPER_DIR"), DefaultSegmentLength: time.Hour})
		rec.Reconcile([]media.Target{{CameraID: 3, URL: os.Getenv("HELPER_URL")}})
		select {} // until SIGKILL
	}
	os.Exit(m.Run())
}

func findParts(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".mp4.part") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestCrashRecovery kills a recording process with SIGKILL mid-segment and
// checks that Recover turns the unfinished file into a playable segment that
// ends at its last complete part.
func TestCrashRecovery(t *testing.T) {
	cam := startSimcam(t, testClip)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VIGILO_MEDIA_HELPER=record", "HELPER_DIR="+dir, "HELPER_URL="+cam.URL(3))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	waitFor(t, 10*time.Second, "the child to open a segment", func() bool { return len(findParts(dir)) == 1 })
	opened := time.Now()                       // the file appeared at most one poll (50 ms) before this
	time.Sleep(3500 * time.Millisecond)        // mid-segment: 3 parts or so, segment length is 1h
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred cleanup runs
		t.Fatal(err)
	}
	recorded := time.Since(opened) // footage the child had received when it died (the camera streams in real time)
	cmd.Wait()
	killed = true

	parts := findParts(dir)
	if len(parts) != 1 {
		t.Fatalf("want one unfinished segment, found %v", parts)
	}
	// Simulate a torn write as well: a moof header promising more bytes
	// than the file has.
	fi, _ := os.Stat(parts[0])
	good := fi.Size()
	f, _ := os.OpenFile(parts[0], os.O_APPEND|os.O_WRONLY, 0)
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], 100000)
	copy(hdr[4:], "moof")
	f.Write(hdr[:])
	f.Write(make([]byte, 300))
	f.Close()

	segs, err := media.Recover(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 1 {
		t.Fatalf("recovered %d segments", len(segs))
	}
	s := segs[0]
	if strings.HasSuffix(s.Path, ".part") || s.CameraID != 3 || s.Codec != "h264" {
		t.Errorf("recovered segment %+v", s)
	}
	fi, err = os.Stat(s.Path)
	if err != nil || fi.Size() != s.Bytes || s.Bytes != good {
		t.Errorf("recovered size %d, reported %d, before the torn tail %d (%v)", fi.Size(), s.Bytes, good, err)
	}
	// The spec allows losing at most the part being written when the
	// process dies (PartDuration, 1 s by default). The tolerance covers the
	// poll that saw the file open (50 ms), one frame at 25 fps (a part is
	// closed by the first sample past its end) and scheduling noise.
	const part, slack = time.Second, 250 * time.Millisecond
	t.Logf("recorded %v before the kill, recovered %v", recorded, s.Duration())
	if d := s.Duration(); d < recorded-part-slack || d > recorded+slack {
		t.Errorf("recovered duration %v of %v recorded before the kill: more than one %v part lost", d, recorded, part)
	}
	p := ffprobe(t, s.Path)
	if codec, _, _ := p.video(); codec != "h264" {
		t.Errorf("ffprobe codec %q", codec)
	}
	if d := p.duration() - s.Duration(); d.Abs() > time.Second {
		t.Errorf("ffprobe %v vs index %v", p.duration(), s.Duration())
	}
	decodeClean(t, s.Path)

	again, err := media.Recover(dir)
	if err != nil || len(again) != 0 {
		t.Errorf("second Recover: %v %v", again, err)
	}
}

// TestSourceDropResumes: the camera disappears for 10 s; recording must be
// back within 5 s of its return, and the gap shows in MergeSpans.
func TestSourceDropResumes(t *testing.T) {
	cam := startSimcam(t, testClip)
	dir := t.TempDir()
	sink := &collectSink{}
	rec := media.New(media.Config{RecordingsDir: dir, Sink: sink})
	defer rec.Stop()
	rec.Reconcile([]media.Target{{CameraID: 1, URL: cam.URL(1), SegmentLength: 3 * time.Second}})
	waitFor(t, 5*time.Second, "recording", func() bool { return rec.Status(1).Recording })
	time.Sleep(3 * time.Second)

	cam.Stop()
	dropAt := time.Now()
	waitFor(t, 7*time.Second, "the recorder to notice", func() bool { return !rec.Status(1).Online })
	if st := rec.Status(1); st.Recording || st.LastError == "" {
		t.Errorf("status while the camera is gone: %+v", st)
	}
	time.Sleep(10*time.Second - time.Since(dropAt))
	if err := cam.Start(""); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	waitFor(t, 5*time.Second, "recording to resume", func() bool {
		st := rec.Status(1)
		return st.Recording && st.LastSegmentAt.After(back)
	})
	t.Logf("recording again %v after the source came back", time.Since(back).Round(10*time.Millisecond))
	time.Sleep(2 * time.Second)
	if st := rec.Status(1); st.Reconnects == 0 || !st.Online || st.LastError != "" {
		t.Errorf("status after recovery: %+v", st)
	}
	rec.Close()

	spans := media.MergeSpans(sink.list(), time.Second)
	if len(spans) != 2 {
		t.Fatalf("want 2 spans around the outage, got %+v", spans)
	}
	gap := spans[1].Start.Sub(spans[0].End)
	if gap < 9*time.Second || gap > 13*time.Second {
		t.Errorf("gap %v, outage was 10s", gap)
	}

	// Playback across the outage is one continuous file: the gap is
	// removed, so it lasts as long as the footage on both sides.
	segs := sink.list()
	from, to := segs[0].Start, segs[len(segs)-1].End
	out := writePlayback(t, segs, from, to.Sub(from))
	p := ffprobe(t, out)
	footage := spans[0].End.Sub(spans[0].Start) + spans[1].End.Sub(spans[1].Start)
	if d := p.duration() - footage; d.Abs() > 500*time.Millisecond {
		t.Errorf("playback across the outage lasts %v, footage is %v", p.duration(), footage)
	}
	decodeClean(t, out)
}

// TestReconcileStops: an empty desired set stops all writing within 2 s and
// leaves no unfinished files.
func TestReconcileStops(t *testing.T) {
	cam := startSimcam(t, testClip)
	dir := t.TempDir()
	sink := &collectSink{}
	rec := media.New(media.Config{RecordingsDir: dir, Sink: sink})
	defer rec.Stop()
	targets := []media.Target{{CameraID: 1, URL: cam.URL(1)}, {CameraID: 2, URL: cam.URL(2)}}
	rec.Reconcile(targets)
	rec.Reconcile(targets) // idempotent: no restart
	waitFor(t, 5*time.Second, "both recording", func() bool { return rec.Status(1).Recording && rec.Status(2).Recording })
	time.Sleep(1500 * time.Millisecond)
	if st := rec.Status(1); st.Reconnects != 0 {
		t.Errorf("a repeated Reconcile restarted the camera: %+v", st)
	}

	rec.Reconcile(nil)
	if got := rec.Running(); len(got) != 0 {
		t.Errorf("Running after empty Reconcile: %v", got)
	}
	time.Sleep(2 * time.Second)
	b1, parts := dirBytes(t, dir)
	time.Sleep(1500 * time.Millisecond)
	b2, _ := dirBytes(t, dir)
	if b1 != b2 || parts != 0 {
		t.Errorf("still writing after stop: %d → %d bytes, %d unfinished files", b1, b2, parts)
	}
	if n := len(sink.list()); n != 2 {
		t.Errorf("want each camera's open segment finalized and indexed, got %d", n)
	}
}
