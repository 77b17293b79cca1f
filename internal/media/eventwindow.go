package media

import "time"

// eventLag is how late an event may reach the recorder after it began (the
// device's report, the database, the event bus) and still get its whole
// pre-buffer: the GOP cache of an events-only camera reaches back
// EventPreBuffer plus this.
const eventLag = 5 * time.Second

// eventWindow is when an events-only camera records: while an event is
// open, and until the post-buffer after the last one ended. Guarded by
// camera.mu.
type eventWindow struct {
	open  bool
	from  time.Time // start of the open event (or of the last one)
	until time.Time // end of the post-buffer once the event ended
}

func (c *camera) setEventsOnly(on bool) {
	c.eventsOnly.Store(on)
	keep := time.Duration(0)
	if on {
		keep = c.r.cfg.EventPreBuffer + eventLag
	}
	c.keep.Store(int64(keep))
}

// window reports whether an events-only camera records at now, and since
// when its current event lasts.
func (c *camera) window(now time.Time) (bool, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ev.open || now.Before(c.ev.until), c.ev.from
}

// EventStarted starts an events-only camera's recording: from its
// pre-buffer before from (when the camera's memory reaches back that far)
// until EventEnded. Starting again while an event is open changes nothing.
// Cameras not pulled, or not events-only, ignore it.
func (r *Recorder) EventStarted(cameraID int64, from time.Time) {
	now := time.Now()
	if from.IsZero() || from.After(now) {
		from = now // a clock ahead of ours must not shorten the pre-buffer
	}
	r.withCamera(cameraID, func(c *camera) {
		if !c.ev.open {
			c.ev.open, c.ev.from = true, from
		}
	})
}

// EventEnded lets an events-only camera's open event end now: it goes on
// recording for Config.EventPostBuffer, then stops.
func (r *Recorder) EventEnded(cameraID int64) {
	until := time.Now().Add(r.cfg.EventPostBuffer)
	r.withCamera(cameraID, func(c *camera) {
		if c.ev.open {
			c.ev.open, c.ev.until = false, until
		}
	})
}

// SyncEvents makes the open events of every pulled events-only camera
// equal to open (camera id → event start): a missed start or end is
// caught up, so the caller may call it on a timer from its stored events.
func (r *Recorder) SyncEvents(open map[int64]time.Time) {
	r.mu.Lock()
	var started, ended []int64
	for id, c := range r.cams {
		if !c.eventsOnly.Load() {
			continue
		}
		c.mu.Lock()
		_, want := open[id]
		switch {
		case want && !c.ev.open:
			started = append(started, id)
		case !want && c.ev.open:
			ended = append(ended, id)
		}
		c.mu.Unlock()
	}
	r.mu.Unlock()
	for _, id := range started {
		r.EventStarted(id, open[id])
	}
	for _, id := range ended {
		r.EventEnded(id)
	}
}

func (r *Recorder) withCamera(cameraID int64, fn func(c *camera)) {
	r.mu.Lock()
	c := r.cams[cameraID]
	r.mu.Unlock()
	if c == nil || !c.eventsOnly.Load() {
		return
	}
	c.mu.Lock()
	fn(c)
	c.mu.Unlock()
}

// replayPreBuffer starts the recording of an event that began at from
// with the camera's cached video reaching back EventPreBuffer before it,
// leaving out what an earlier window already wrote. It reports whether a
// recording was started (false: nothing cached to start with; the caller
// waits for the next keyframe).
func (s *session) replayPreBuffer(from time.Time, gen uint64) bool {
	c := s.c
	var rw *recWriter
	var at time.Time
	c.gop.since(from.Add(-c.r.cfg.EventPreBuffer), s.lastRec, func(cu *cachedUnit, au [][]byte, info *segmentInfo) {
		if rw == nil {
			rw = c.newRecWriter()
			// Cached units are stamped with when they arrived: so are
			// the segments they start.
			rw.w.now = func() time.Time { return at }
		}
		at = cu.ntp
		var ki *segmentInfo
		if cu.key {
			ki = info
		}
		if err := rw.w.writeVideo(cu.dts-s.tsOffset, int32(cu.pts-cu.dts), au, cu.key, ki); err != nil {
			c.setErr(err)
		}
		s.lastRec = cu.dts
	})
	if rw == nil {
		return false
	}
	rw.w.now = c.r.cfg.Clock
	s.rec, s.recGen = rw, gen
	return true
}
