package media_test

import (
	"net"
	"slices"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/media/simcam"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func seg(cam int64, startSec, endSec int, bytes int64) media.Segment {
	return media.Segment{CameraID: cam, Start: t0.Add(time.Duration(startSec) * time.Second),
		End: t0.Add(time.Duration(endSec) * time.Second), Bytes: bytes}
}

func TestMergeSpans(t *testing.T) {
	segs := []media.Segment{seg(1, 120, 180, 30), seg(1, 0, 60, 10), seg(1, 60, 120, 20), seg(1, 200, 260, 40), seg(1, 261, 300, 50)}
	got := media.MergeSpans(segs, 2*time.Second)
	want := []media.Span{
		{Start: t0, End: t0.Add(180 * time.Second), Bytes: 60, Segments: 3},
		{Start: t0.Add(200 * time.Second), End: t0.Add(300 * time.Second), Bytes: 90, Segments: 2},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if media.MergeSpans(nil, time.Second) != nil {
		t.Error("no segments, no spans")
	}
}

func TestSelectForDeletion(t *testing.T) {
	day := 24 * 60 * 60
	segs := []media.Segment{
		seg(1, 0, 60, 100),           // cam 1, 10 days old
		seg(2, 0, 60, 100),           // cam 2, 10 days old, but 30-day plan
		seg(1, 8*day, 8*day+60, 100), // 2 days old
		seg(2, 9*day, 9*day+60, 100), // 1 day old
	}
	now := t0.Add(10 * 24 * time.Hour)
	got := media.SelectForDeletion(segs, media.RetentionPolicy{Now: now, RetentionDays: 7, DaysByCamera: map[int64]int{2: 30}})
	if len(got) != 1 || got[0] != segs[0] {
		t.Fatalf("age rule: %+v", got)
	}
	// Disk floor: 150 bytes short → after the expired one, the oldest
	// remaining (cam 2's, despite its plan) goes too.
	got = media.SelectForDeletion(segs, media.RetentionPolicy{Now: now, RetentionDays: 7, DaysByCamera: map[int64]int{2: 30}, FreeBytes: 50, MinFreeBytes: 250})
	if len(got) != 2 || got[0] != segs[0] || got[1] != segs[1] {
		t.Fatalf("space rule: %+v", got)
	}
	if got := media.SelectForDeletion(segs, media.RetentionPolicy{Now: now}); len(got) != 0 {
		t.Fatalf("no limits: %+v", got)
	}
}

// TestReconcileSet checks start/stop/restart bookkeeping against cameras that
// refuse connections, so no media is involved.
func TestReconcileSet(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // now refuses
	rec := media.New(media.Config{RecordingsDir: t.TempDir()})
	defer rec.Stop()
	url := "rtsp://" + addr + "/x"
	rec.Reconcile([]media.Target{{CameraID: 1, URL: url}, {CameraID: 2, URL: url}, {CameraID: 3, URL: url}})
	if got := rec.Running(); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("running %v", got)
	}
	waitFor(t, 3*time.Second, "an error in words", func() bool { return rec.Status(1).LastError != "" })
	if st := rec.Status(1); st.Online || st.Recording {
		t.Errorf("unreachable camera status %+v", st)
	}
	t.Logf("unreachable camera says: %q", rec.Status(1).LastError)
	rec.Reconcile([]media.Target{{CameraID: 2, URL: url + "changed"}, {CameraID: 4, URL: url}})
	if got := rec.Running(); !slices.Equal(got, []int64{2, 4}) {
		t.Fatalf("running %v", got)
	}
	if st := rec.Status(1); st.LastError != "not recording" {
		t.Errorf("stopped camera status %+v", st)
	}
	// Many goroutines at once must not race (run with -race).
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func() {
			rec.Reconcile([]media.Target{{CameraID: 5, URL: url}})
			rec.Status(5)
			done <- struct{}{}
		}()
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	if got := rec.Running(); !slices.Equal(got, []int64{5}) {
		t.Fatalf("running %v", got)
	}
}

// TestRecordH265 covers the H.265 path end to end (shorter than the H.264 one).
func TestRecordH265(t *testing.T) {
	o := testClip
	o.H265, o.Audio = true, false
	cam := startSimcam(t, o)
	dir := t.TempDir()
	sink := &collectSink{}
	rec := media.New(media.Config{RecordingsDir: dir, Sink: sink})
	rec.Reconcile([]media.Target{{CameraID: 9, URL: cam.URL(9), SegmentLength: 2 * time.Second}})
	waitFor(t, 5*time.Second, "recording", func() bool { return rec.Status(9).Recording })
	time.Sleep(3 * time.Second)
	rec.Close()
	segs := sink.list()
	if len(segs) < 2 {
		t.Fatalf("segments: %+v", segs)
	}
	for _, s := range segs {
		if s.Codec != "h265" || s.Width != 640 || s.Height != 360 {
			t.Errorf("metadata %+v", s)
		}
		p := ffprobe(t, s.Path)
		if codec, w, h := p.video(); codec != "hevc" || w != 640 || h != 360 {
			t.Errorf("ffprobe %s %dx%d", codec, w, h)
		}
		decodeClean(t, s.Path)
	}
	decodeClean(t, writePlayback(t, segs, segs[0].Start.Add(500*time.Millisecond), 2*time.Second))
}

// TestInBandParameters: a camera that announces no SPS/PPS in its SDP (they
// only come in-band before keyframes) is still recorded.
func TestInBandParameters(t *testing.T) {
	o := testClip
	o.Audio = false
	requireFFmpeg(t)
	cam := startSimcamWith(t, o, func(s *simcam.Server) { s.InBandParamsOnly = true })
	sink := &collectSink{}
	rec := media.New(media.Config{RecordingsDir: t.TempDir(), Sink: sink})
	rec.Reconcile([]media.Target{{CameraID: 1, URL: cam.URL(1), SegmentLength: 2 * time.Second}})
	waitFor(t, 5*time.Second, "recording", func() bool { return rec.Status(1).Recording })
	time.Sleep(2500 * time.Millisecond)
	rec.Close()
	segs := sink.list()
	if len(segs) == 0 || segs[0].Width != 640 {
		t.Fatalf("segments %+v", segs)
	}
	for _, s := range segs {
		decodeClean(t, s.Path)
	}
}

// TestRecordBFrames: with B-frames, decode order differs from display order;
// DTS must be derived and composition offsets written.
func TestRecordBFrames(t *testing.T) {
	o := testClip
	o.Audio, o.BFrames = false, 2
	cam := startSimcam(t, o)
	sink := &collectSink{}
	rec := media.New(media.Config{RecordingsDir: t.TempDir(), Sink: sink})
	rec.Reconcile([]media.Target{{CameraID: 1, URL: cam.URL(1), SegmentLength: 2 * time.Second}})
	waitFor(t, 5*time.Second, "recording", func() bool { return rec.Status(1).Recording })
	time.Sleep(3 * time.Second)
	st := rec.Status(1)
	rec.Close()
	if st.FramesLost != 0 {
		t.Errorf("frames lost: %+v", st)
	}
	segs := sink.list()
	if len(segs) < 2 {
		t.Fatalf("segments %+v", segs)
	}
	for _, s := range segs {
		p := ffprobe(t, s.Path)
		if d := p.duration() - s.Duration(); d.Abs() > 200*time.Millisecond {
			t.Errorf("%s: ffprobe %v, index %v", s.Path, p.duration(), s.Duration())
		}
		decodeClean(t, s.Path)
	}
	decodeClean(t, writePlayback(t, segs, segs[0].Start.Add(700*time.Millisecond), 2*time.Second))
}
