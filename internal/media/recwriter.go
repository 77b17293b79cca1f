package media

import (
	"fmt"
	"time"
)

// recWriter is the recording's subscription to a camera's access units: a
// segment writer on the ingest goroutine and its file goroutine. It exists
// while the camera is in the recorded set, and is called synchronously
// (no copy, no channel) so that recording through the hub costs what it
// cost before the hub.
type recWriter struct {
	w  *segmentWriter
	fw *fileWriter
}

func (c *camera) newRecWriter() *recWriter {
	// File I/O runs on its own goroutine so a slow disk does not hold
	// back the RTSP reads; it is drained when the recording stops.
	fw := newFileWriter(true)
	fw.onPart = func(end time.Time, n int) {
		c.mu.Lock()
		c.st.LastSegmentAt = end
		c.refreshRateLocked(time.Now())
		c.mu.Unlock()
	}
	fw.onSegment = c.r.deliver
	fw.onError = func(err error) {
		c.setErr(fmt.Errorf("%w: %w", errWrite, err))
		c.r.log.Warn("segment write failed", "camera", c.id, "err", err)
	}
	return &recWriter{fw: fw, w: &segmentWriter{
		dir:      c.r.cfg.RecordingsDir,
		cameraID: c.id,
		partDur:  durToClock(c.r.cfg.PartDuration, videoClock),
		segLen:   durToClock(c.segmentLength(), videoClock),
		now:      c.r.cfg.Clock,
		io:       fw,
	}}
}

// record passes one access unit to the recording, starting it at a keyframe
// when the camera joined the recorded set and stopping it when it left.
func (s *session) record(dts, pts int64, au [][]byte, key bool, ki *segmentInfo) {
	c := s.c
	want, gen := c.recording.Load(), c.recGen.Load()
	var from time.Time
	if want && c.eventsOnly.Load() {
		want, from = c.window(time.Now())
	}
	if s.rec != nil && (!want || gen != s.recGen) {
		s.stopRecording()
	}
	if s.rec == nil {
		if !want {
			return
		}
		// An event's recording starts with the video before it, from
		// memory; without any, at this keyframe.
		if from.IsZero() || !s.replayPreBuffer(from, gen) {
			if !key {
				return
			}
			s.rec, s.recGen = c.newRecWriter(), gen
		}
	}
	w := s.rec.w
	if err := w.writeVideo(dts, int32(pts-dts), au, key, ki); err != nil {
		c.setErr(err)
		c.r.log.Warn("cannot start a segment", "camera", c.id, "err", err)
	}
	s.lastRec = dts + s.tsOffset
	c.mu.Lock()
	c.st.FramesWritten = c.frames + w.frames
	c.st.Recording = w.open()
	c.st.SegmentStart = w.start
	c.mu.Unlock()
}

// stopRecording finalizes the open segment and waits until it is on disk
// and reported.
func (s *session) stopRecording() {
	if s.rec == nil {
		return
	}
	s.rec.w.finish(true)
	s.rec.fw.close()
	c := s.c
	c.mu.Lock()
	c.frames += s.rec.w.frames
	c.st.FramesWritten = c.frames
	c.st.Recording = false
	c.mu.Unlock()
	s.rec = nil
}
