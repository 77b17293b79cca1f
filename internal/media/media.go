// Package media records RTSP cameras into fragmented MP4 segments on local
// disk, recovers segments left open by a crash, stitches segments back into
// one MP4 for playback and decides which segments retention removes.
//
// The package deliberately knows nothing about HTTP or SQL: finished segments
// are handed to a Sink (the caller indexes them in its database) and playback
// writes to an io.Writer (the caller's HTTP handler).
//
// On-disk layout (all times UTC):
//
//	<RecordingsDir>/<cameraID>/<YYYY>/<MM>/<DD>/<unixmillis>.mp4       finished segment
//	<RecordingsDir>/<cameraID>/<YYYY>/<MM>/<DD>/<unixmillis>.mp4.part  segment being written
//
// The file name is the wall-clock time of the segment's first (key)frame, so
// a directory listing alone is enough to rebuild an index. A segment is
// written as an fMP4 init (ftyp+moov) followed by one moof+mdat pair per part
// (~1 s). Each part is written as soon as it is complete, by the camera's
// file goroutine (so a slow disk never stalls the RTSP reads), so a process
// killed with SIGKILL loses the part in progress, plus whatever a stalled
// disk still had queued; a part torn by the kill is cut off by Recover. The
// ".part" suffix marks a file that was never finalized and is what Recover
// looks for.
package media

import (
	"context"
	"time"
)

// Target is one camera the recorder should be recording.
type Target struct {
	CameraID int64
	// URL is the rtsp:// (or rtsps://) address, credentials included.
	URL string
	// SegmentLength is the wall length of one file; 0 means Config.DefaultSegmentLength.
	SegmentLength time.Duration
	// MaxBitrateKbps is the plan's ceiling. Exceeding it is reported in
	// Status (LastError, OverBitrate) but recording continues: dropping
	// evidence because a camera was misconfigured is worse than a larger file.
	MaxBitrateKbps int
	// EventsOnly records the camera only around its events (EventStarted,
	// EventEnded, SyncEvents): it is pulled all the time, so that the
	// pre-buffer is in memory when an event starts, but segments are
	// written only from Config.EventPreBuffer before an event until
	// Config.EventPostBuffer after it.
	EventsOnly bool
}

// Segment describes one file on disk.
type Segment struct {
	CameraID int64
	Start    time.Time
	End      time.Time
	Bytes    int64
	Path     string
	// Codec is "h264" or "h265".
	Codec         string
	Width, Height int
	// Object is the segment's key in the object store once uploaded; the
	// file at Path is read first while it exists (see Remote).
	Object string
}

// Duration is End-Start.
func (s Segment) Duration() time.Duration { return s.End.Sub(s.Start) }

// Sink receives every finished segment and every partial segment recovered
// after a crash, so the caller can index it. It is called from a goroutine
// that is not the ingest path, so a slow database does not stall cameras;
// calls may therefore run concurrently and out of order, and an
// implementation should upsert by Path. A failed call is logged, not
// retried: the file stays on disk and can be re-indexed with ProbeSegment.
type Sink interface {
	SegmentDone(ctx context.Context, s Segment) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, s Segment) error

// SegmentDone implements Sink.
func (f SinkFunc) SegmentDone(ctx context.Context, s Segment) error { return f(ctx, s) }

// CameraStatus is a snapshot of one camera's recording state.
type CameraStatus struct {
	// Online: an RTSP session is up and media arrived recently.
	Online bool
	// Recording: a segment file is open and receiving parts.
	Recording bool
	// SegmentStart is the start of the open segment while Recording (what
	// is not in the index yet: a back-fill must not overlap it).
	SegmentStart time.Time
	// LastSegmentAt is the media end time of the most recently written part
	// (it advances about once per PartDuration while recording), so "how old is
	// the newest footage" is answered without waiting for a segment to close.
	LastSegmentAt time.Time
	// BitrateKbps is the received bitrate over the last few seconds.
	BitrateKbps int
	// OverBitrate is true when BitrateKbps exceeds Target.MaxBitrateKbps.
	OverBitrate bool
	// LastError is the most recent problem, in words, or "" when healthy.
	LastError string
	// Reason names LastError's cause when it is a connection problem
	// (reasons.go), "" otherwise.
	Reason string
	// FramesLost counts RTP packets reported lost plus frames that could not
	// be decoded since the camera was started.
	FramesLost uint64
	// FramesWritten counts video frames written to disk since start.
	FramesWritten uint64
	// Reconnects counts how many times the RTSP session was re-established.
	Reconnects uint64
}
