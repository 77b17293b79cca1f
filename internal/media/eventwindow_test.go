package media_test

import (
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/media"
)

// TestEventsOnlyRecording: an events-only camera is pulled but writes
// nothing until an event; the event's recording starts with the
// pre-buffer from memory and ends the post-buffer after the event; a
// second event soon after does not record the first one's video twice.
func TestEventsOnlyRecording(t *testing.T) {
	cam := startSimcam(t, testClip) // 1 s GOP
	sink := &collectSink{}
	rec := media.New(media.Config{RecordingsDir: t.TempDir(), Sink: sink})
	defer rec.Stop()
	rec.Reconcile([]media.Target{{CameraID: 3, URL: cam.URL(3), SegmentLength: 4 * time.Second, EventsOnly: true}})
	waitFor(t, 5*time.Second, "the camera online", func() bool { return rec.Status(3).Online })
	time.Sleep(8 * time.Second) // more than the pre-buffer and its slack
	if st := rec.Status(3); st.Recording || st.FramesWritten != 0 || len(sink.list()) != 0 {
		t.Fatalf("an events-only camera recorded without an event: %+v", st)
	}

	// The event began a second before the recorder heard of it.
	start := time.Now().Add(-time.Second)
	rec.EventStarted(3, start)
	waitFor(t, 3*time.Second, "recording", func() bool { return rec.Status(3).Recording })
	rec.EventStarted(3, time.Now()) // a repeat changes nothing
	time.Sleep(2 * time.Second)
	end := time.Now()
	rec.EventEnded(3)
	waitFor(t, media.MinEventPostBuffer+3*time.Second, "the post-buffer to end", func() bool { return !rec.Status(3).Recording })
	first := sink.list()

	// A second event 2 s later: its pre-buffer reaches into the first
	// window, which is not written again.
	time.Sleep(2 * time.Second)
	rec.EventStarted(3, time.Now())
	waitFor(t, 3*time.Second, "recording again", func() bool { return rec.Status(3).Recording })
	time.Sleep(time.Second)
	rec.SyncEvents(nil) // the event store says nothing is open: it ends
	rec.Reconcile(nil)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	if len(first) == 0 {
		t.Fatal("no segment for the event")
	}
	spans := media.MergeSpans(first, 100*time.Millisecond)
	if len(spans) != 1 {
		t.Fatalf("one event, one recording: %+v", spans)
	}
	sp := spans[0]
	// From a keyframe at or before start-5s (1 s GOP), not much earlier.
	if lo, hi := start.Add(-media.MinEventPreBuffer-1500*time.Millisecond), start.Add(-media.MinEventPreBuffer+100*time.Millisecond); sp.Start.Before(lo) || sp.Start.After(hi) {
		t.Errorf("recording starts %v before the event, want about %v", start.Sub(sp.Start), media.MinEventPreBuffer)
	}
	if lo, hi := end.Add(media.MinEventPostBuffer-500*time.Millisecond), end.Add(media.MinEventPostBuffer+2*time.Second); sp.End.Before(lo) || sp.End.After(hi) {
		t.Errorf("recording ends %v after the event, want about %v", sp.End.Sub(end), media.MinEventPostBuffer)
	}
	all := sink.list()
	second := all[len(first):]
	if len(second) == 0 {
		t.Fatal("no segment for the second event")
	}
	if second[0].Start.Before(sp.End) {
		t.Errorf("second event rewrote %v of the first", sp.End.Sub(second[0].Start))
	}
	if gap := second[0].Start.Sub(sp.End); gap > 1500*time.Millisecond {
		t.Errorf("the second event's pre-buffer left a %v hole after the first", gap)
	}
	for _, s := range all {
		p := ffprobe(t, s.Path)
		if c, w, _ := p.video(); c != "h264" || w != 640 {
			t.Errorf("%s: %s %d", s.Path, c, w)
		}
		if d := p.videoDuration() - s.Duration(); d.Abs() > 100*time.Millisecond {
			t.Errorf("%s holds %v of video, indexed as %v", s.Path, p.videoDuration(), s.Duration())
		}
		decodeClean(t, s.Path)
	}
}

// TestEventsOnlySync: SyncEvents starts a missed event and leaves other
// cameras alone; a continuous camera ignores events.
func TestEventsOnlySync(t *testing.T) {
	cam := startSimcam(t, testClip)
	sink := &collectSink{}
	rec := media.New(media.Config{RecordingsDir: t.TempDir(), Sink: sink})
	defer rec.Stop()
	rec.Reconcile([]media.Target{{CameraID: 1, URL: cam.URL(1), EventsOnly: true}, {CameraID: 2, URL: cam.URL(2)}})
	waitFor(t, 5*time.Second, "the continuous camera recording", func() bool { return rec.Status(2).Recording })
	time.Sleep(2 * time.Second)
	if rec.Status(1).Recording {
		t.Fatal("events-only camera records without an event")
	}
	rec.EventEnded(2) // not events-only: nothing to end
	rec.SyncEvents(map[int64]time.Time{1: time.Now()})
	waitFor(t, 3*time.Second, "the synced event recording", func() bool { return rec.Status(1).Recording })
	if !rec.Status(2).Recording {
		t.Error("the continuous camera stopped")
	}
	// Switching the camera to continuous recording keeps it recording
	// with no event at all.
	rec.Reconcile([]media.Target{{CameraID: 1, URL: cam.URL(1)}})
	rec.SyncEvents(nil)
	time.Sleep(media.MinEventPostBuffer / 5)
	if !rec.Status(1).Recording {
		t.Error("a continuous camera stopped when its events ended")
	}
}
