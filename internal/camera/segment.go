package camera

import "time"

// Segment is one indexed recording file of a camera.
type Segment struct {
	ID            int64
	CameraID      int64
	Start, End    time.Time
	Bytes         int64
	Path          string
	Codec         string
	Width, Height int
	// LeaseRevision is the camera lease it was written under (0 on a
	// single node, which has no leases; internal/fleet).
	LeaseRevision int64
	// Object is the segment's key in the S3 bucket once uploaded, "" while
	// it is only on its recorder's disk (docs/S3.md).
	Object string
}

// Span is a stretch of continuous recording: adjacent segments merged, so
// the gaps between spans are the times nothing was recorded.
type Span struct {
	Start, End time.Time
	Bytes      int64
	Segments   int
}

// SpanGap is how far apart two segments may be and still count as one
// span. Consecutive segments of one session are written back to back, so
// anything longer is a real interruption worth showing.
const SpanGap = time.Second

// Plan is what the recorder and retention need to know of a camera's plan.
type Plan struct {
	ID             int64
	OwnerAccountID int64
	Name           string
	RetentionDays  int
	RecordingMode  string // "continuous" or "events"
	MaxBitrateKbps int
}
