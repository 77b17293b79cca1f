package fleet

import "time"

// UploadQueue is a recorder's S3 upload backlog as it last reported it
// (internal/segupload, docs/S3.md).
type UploadQueue struct {
	NodeID   string
	Segments int       // waiting on the recorder's disk
	Bytes    int64     // their size
	Oldest   time.Time // when the oldest of them was queued; zero when none
	Reported time.Time
}

// Lag is how long the oldest waiting segment has waited at now (0 when
// the queue is empty).
func (u UploadQueue) Lag(now time.Time) time.Duration {
	if u.Segments == 0 || u.Oldest.IsZero() {
		return 0
	}
	return max(now.Sub(u.Oldest), 0)
}
