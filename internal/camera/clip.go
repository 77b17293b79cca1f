package camera

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigilo/vigilo/internal/errs"
)

// Clip statuses: a clip is pending until the clip job has written its file.
const (
	ClipPending = "pending"
	ClipReady   = "ready"
	ClipFailed  = "failed"
)

// Clip limits. An hour is what one playback request may cover too; longer
// stretches are several clips.
const (
	MaxClipDuration = time.Hour
	MinClipDuration = time.Second
	MaxClipName     = 100
)

// Clip is a saved stretch of one camera's recording: an MP4 file stitched
// from its segments without re-encoding, kept apart from retention until
// deleted.
type Clip struct {
	ID        int64
	CameraID  int64
	CreatedBy int64
	Name      string
	Start     time.Time
	Duration  time.Duration
	Status    string
	Progress  int // percent, 0–100
	Bytes     int64
	Path      string // the file once ready; never shown
	Error     string // why it failed, for people
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ObjectKey is where a ready clip's file is kept in the object store when
// video goes to S3, so that any node serves it (docs/S3.md): under
// "clips/", apart from the segments' camera prefixes, named after the
// clip's file on the disk of the node that wrote it.
func (c Clip) ObjectKey() string {
	if c.Path == "" {
		return ""
	}
	return "clips/" + strconv.FormatInt(c.CameraID, 10) + "/" + filepath.Base(c.Path)
}

// NewClip is a request to save a clip, already decoded.
type NewClip struct {
	Start    time.Time
	Duration time.Duration
	Name     string
}

// Validate checks what needs no recordings: start given, duration between a
// second and MaxClipDuration, name at most MaxClipName characters (a
// default name is given when empty).
func (n *NewClip) Validate(cameraName string) error {
	f := errs.Fields{}
	if n.Start.IsZero() {
		f.Add("start", "is required")
	}
	switch {
	case n.Duration == 0:
		f.Add("duration", "is required")
	case n.Duration < MinClipDuration || n.Duration > MaxClipDuration:
		f.Add("duration", "must be between 1 second and 1 hour")
	}
	n.Name = strings.TrimSpace(n.Name)
	if utf8.RuneCountInString(n.Name) > MaxClipName {
		f.Add("name", "must be at most 100 characters")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if n.Name == "" {
		n.Name = cameraName + " " + n.Start.UTC().Format("2006-01-02 15:04:05") + " UTC"
		if utf8.RuneCountInString(n.Name) > MaxClipName {
			n.Name = "Clip " + n.Start.UTC().Format("2006-01-02 15:04:05") + " UTC"
		}
	}
	return nil
}
