package media_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/media"
)

// TestRecordAndPlayback: real clip → simcam → Recorder → segments checked by
// ffprobe, then one playback file stitched across two segments.
func TestRecordAndPlayback(t *testing.T) {
	cam := startSimcam(t, testClip)
	dir := t.TempDir()
	sink := &collectSink{}
	rec := media.New(media.Config{RecordingsDir: dir, Sink: sink})
	defer rec.Stop()

	const segLen = 2 * time.Second
	rec.Reconcile([]media.Target{{CameraID: 7, URL: cam.URL(7), SegmentLength: segLen, MaxBitrateKbps: 300}})
	waitFor(t, 5*time.Second, "recording to start", func() bool { return rec.Status(7).Recording })
	began := time.Now()
	time.Sleep(7 * time.Second)
	st := rec.Status(7)
	if !st.Online || st.BitrateKbps <= 0 || st.LastSegmentAt.IsZero() || st.FramesWritten < 150 {
		t.Errorf("status while recording: %+v", st)
	}
	// The 800 kbit/s clip is over the 300 kbit/s plan: reported, still recorded.
	if !st.OverBitrate || !strings.Contains(st.LastError, "plan limit") {
		t.Errorf("bitrate limit not reported: %+v", st)
	}
	rec.Reconcile(nil)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	recorded := time.Since(began)

	segs := sink.list()
	if len(segs) < 3 {
		t.Fatalf("want ≥3 segments of %v in %v, got %d", segLen, recorded, len(segs))
	}
	var total time.Duration
	for _, s := range segs {
		if s.CameraID != 7 || s.Codec != "h264" || s.Width != 640 || s.Height != 360 {
			t.Errorf("segment metadata: %+v", s)
		}
		if !strings.HasPrefix(s.Path, filepath.Join(dir, "7", s.Start.UTC().Format("2006/01/02"))) {
			t.Errorf("segment path %s", s.Path)
		}
		fi, err := os.Stat(s.Path)
		if err != nil || fi.Size() != s.Bytes {
			t.Errorf("segment %s: size on disk vs reported %d: %v", s.Path, s.Bytes, err)
		}
		p := ffprobe(t, s.Path)
		codec, w, h := p.video()
		if codec != "h264" || w != 640 || h != 360 {
			t.Errorf("%s: ffprobe video %s %dx%d", s.Path, codec, w, h)
		}
		if d := p.duration() - s.Duration(); d > time.Second || d < -time.Second {
			t.Errorf("%s: ffprobe duration %v, index duration %v", s.Path, p.duration(), s.Duration())
		}
		if s.Duration() > segLen+1500*time.Millisecond {
			t.Errorf("segment %v longer than length+GOP", s.Duration())
		}
		decodeClean(t, s.Path)
		total += s.Duration()
	}
	// Everything recorded is on disk: the sum of segment durations matches
	// the time we recorded (minus the wait for the first keyframe).
	if d := recorded - total; d > 1500*time.Millisecond || d < -time.Second {
		t.Errorf("recorded %v of wall time but segments hold %v", recorded, total)
	}
	// Back to back: no gaps between segments of one session.
	if spans := media.MergeSpans(segs, 100*time.Millisecond); len(spans) != 1 {
		t.Errorf("one session should give one span, got %+v", spans)
	}
	pa, err := media.ProbeSegment(segs[0].Path)
	if err != nil || pa.End != segs[0].End.Truncate(0) && pa.End.Sub(segs[0].End).Abs() > 2*time.Millisecond {
		t.Errorf("ProbeSegment: %+v %v vs %+v", pa, err, segs[0])
	}

	t.Run("playback across two segments", func(t *testing.T) {
		start := segs[0].Start.Add(1200 * time.Millisecond)
		const dur = 2500 * time.Millisecond // spans segs[0] → segs[1]
		out := writePlayback(t, segs, start, dur)
		p := ffprobe(t, out)
		codec, w, h := p.video()
		if codec != "h264" || w != 640 || h != 360 {
			t.Errorf("playback video %s %dx%d", codec, w, h)
		}
		// Starts at the keyframe at or before start: up to one GOP (1 s) early.
		if got := p.duration(); got < dur-200*time.Millisecond || got > dur+1200*time.Millisecond {
			t.Errorf("playback duration %v, asked %v", got, dur)
		}
		decodeClean(t, out)
		chromiumPlays(t, out, 1.5)
	})

	t.Run("playback outside recordings", func(t *testing.T) {
		_, err := media.WritePlayback(new(strings.Builder), segs, segs[0].Start.Add(-time.Hour), time.Minute)
		if err != media.ErrNoRecording {
			t.Fatalf("want ErrNoRecording, got %v", err)
		}
	})
}
