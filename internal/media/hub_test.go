package media_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/media"
)

// countReader counts what the hub hands it and remembers the order rules.
type countReader struct {
	mu       sync.Mutex
	units    int
	keys     int
	firstKey bool
	lastDTS  int64
	backward int
	replays  int
	// replayAfterLive counts replayed units after a live one: the cache
	// must come first, in one burst.
	replayAfterLive int
}

func (c *countReader) WriteUnit(u *media.Unit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.units == 0 {
		c.firstKey = u.Key
	} else if u.DTS <= c.lastDTS {
		c.backward++
	}
	if u.Replay {
		if c.units > c.replays {
			c.replayAfterLive++
		}
		c.replays++
	}
	c.units++
	if u.Key {
		c.keys++
	}
	c.lastDTS = u.DTS
}

func (c *countReader) counts() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.units, c.keys
}

// TestHubOnePullManyReaders: a recorded camera shares its one RTSP session
// with live readers; a camera nobody records is pulled for its first viewer
// and released LiveLinger after its last one left.
func TestHubOnePullManyReaders(t *testing.T) {
	cam := startSimcam(t, testClip)
	rec := media.New(media.Config{RecordingsDir: t.TempDir(), LiveLinger: 500 * time.Millisecond})
	defer rec.Stop()
	rec.Reconcile([]media.Target{{CameraID: 1, URL: cam.URL(1)}})
	waitFor(t, 10*time.Second, "recording", func() bool { return rec.Status(1).Recording })

	var readers []*countReader
	var stops []func()
	for range 3 {
		r := &countReader{}
		stop, err := rec.Watch(media.Source{CameraID: 1, URL: cam.URL(1)}, r)
		if err != nil {
			t.Fatal(err)
		}
		readers, stops = append(readers, r), append(stops, stop)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if codec, err := rec.Codec(ctx, 1); err != nil || codec != "h264" {
		t.Fatalf("codec %q, %v", codec, err)
	}
	time.Sleep(2500 * time.Millisecond)
	if n := cam.PeakSessions(); n != 1 {
		t.Errorf("recording + 3 readers opened %d RTSP sessions, want 1", n)
	}
	for i, r := range readers {
		units, keys := r.counts()
		// 25 fps for ~2.5 s, minus the wait for the first keyframe (1 s GOP).
		if units < 25 || keys < 1 || !r.firstKey || r.backward > 0 {
			t.Errorf("reader %d: %d units, %d keys, first key %v, %d backwards", i, units, keys, r.firstKey, r.backward)
		}
	}
	for _, stop := range stops {
		stop()
		stop() // idempotent
	}

	// Camera 2: not recorded, pulled for a viewer only.
	r2 := &countReader{}
	stop2, err := rec.Watch(media.Source{CameraID: 2, URL: cam.URL(2)}, r2)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "camera 2 frames", func() bool { u, _ := r2.counts(); return u > 10 })
	if got := rec.Running(); !slices.Equal(got, []int64{1}) {
		t.Errorf("a watched camera counts as recorded: %v", got)
	}
	if st := rec.Status(2); !st.Online || st.Recording {
		t.Errorf("watched-only camera status %+v", st)
	}
	stop2()
	time.Sleep(200 * time.Millisecond)
	if got := rec.Pulled(); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("camera 2 released before its linger: %v", got)
	}
	waitFor(t, 5*time.Second, "camera 2 released", func() bool { return slices.Equal(rec.Pulled(), []int64{1}) })
	waitFor(t, 5*time.Second, "one RTSP session left", func() bool { return cam.Sessions() == 1 })

	// Recording stops while a viewer watches: the pull stays for the viewer.
	r3 := &countReader{}
	stop3, err := rec.Watch(media.Source{CameraID: 1, URL: cam.URL(1)}, r3)
	if err != nil {
		t.Fatal(err)
	}
	rec.Reconcile(nil)
	waitFor(t, 5*time.Second, "recording stopped", func() bool { return !rec.Status(1).Recording })
	before, _ := r3.counts()
	time.Sleep(time.Second)
	if after, _ := r3.counts(); after <= before || cam.Sessions() != 1 {
		t.Errorf("viewer lost its video when recording stopped: %d → %d units, %d sessions", before, after, cam.Sessions())
	}
	stop3()
	waitFor(t, 5*time.Second, "all released", func() bool { return len(rec.Pulled()) == 0 && cam.Sessions() == 0 })
}

// TestHubGOPCache: a recorded camera nobody watches keeps no GOP, so its
// first viewer starts at a live keyframe; once it is watched, a reader that
// joins mid-GOP starts with the GOP so far (a keyframe first, marked Replay,
// timestamps in order), then the live units, instead of waiting for the next
// keyframe.
func TestHubGOPCache(t *testing.T) {
	cam := startSimcam(t, testClip)
	rec := media.New(media.Config{RecordingsDir: t.TempDir()})
	defer rec.Stop()
	rec.Reconcile([]media.Target{{CameraID: 1, URL: cam.URL(1)}})
	waitFor(t, 10*time.Second, "recording", func() bool { return rec.Status(1).Recording })
	time.Sleep(1500 * time.Millisecond) // past the first keyframe

	// A camera that is only recorded keeps no GOP: its first viewer starts
	// at the next live keyframe, and the cache fills from there.
	first := &countReader{}
	stop, err := rec.Watch(media.Source{CameraID: 1, URL: cam.URL(1)}, first)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	waitFor(t, 5*time.Second, "the first viewer's frames", func() bool { first.mu.Lock(); defer first.mu.Unlock(); return first.units > 0 })
	first.mu.Lock()
	if first.replays != 0 || !first.firstKey {
		t.Errorf("the first viewer of a recorded camera got %d replayed units (first key %v): a GOP was kept for nobody", first.replays, first.firstKey)
	}
	first.mu.Unlock()
	time.Sleep(1100 * time.Millisecond) // a keyframe with the viewer there

	var readers []*countReader
	for range 6 {
		r := &countReader{}
		stop, err := rec.Watch(media.Source{CameraID: 1, URL: cam.URL(1)}, r)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		readers = append(readers, r)
		time.Sleep(130 * time.Millisecond) // spread over the 1 s GOP
	}
	time.Sleep(300 * time.Millisecond)
	replayed := 0
	for i, r := range readers {
		r.mu.Lock()
		if r.units == 0 || !r.firstKey || r.backward > 0 || r.replayAfterLive > 0 || r.replays >= 25 {
			t.Errorf("reader %d: %d units (%d replayed, %d after live), first key %v, %d backwards", i, r.units, r.replays,
				r.replayAfterLive, r.firstKey, r.backward)
		}
		if r.replays > 0 {
			replayed++
		}
		r.mu.Unlock()
	}
	// Six joins 130 ms apart over a 1 s GOP: at most two can land on a keyframe.
	if replayed < 4 {
		t.Errorf("only %d of 6 readers joining mid-GOP started from the cache", replayed)
	}
}
