package camera

import (
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

// Camera event types. Motion comes from the camera (ONVIF events); offline
// and online are the camera's health as the server sees it.
const (
	EventMotion  = "motion"
	EventOffline = "offline"
	EventOnline  = "online"
)

// EventTypes are the known camera event types.
var EventTypes = []string{EventMotion, EventOffline, EventOnline}

// MaxEventDetail bounds the free text kept with an event (a topic, a reason).
const MaxEventDetail = 500

// Event is something that happened at a camera over a stretch of time: a
// motion alarm from its first to its last report, an outage from the moment
// the camera was lost to its return. End is nil while it lasts; a camera
// has at most one open event of each type.
type Event struct {
	ID       int64
	CameraID int64
	Type     string
	Start    time.Time
	End      *time.Time
	Detail   string
}

// Open reports whether the event still lasts.
func (e Event) Open() bool { return e.End == nil }

// CheckEventType refuses an unknown type naming field.
func CheckEventType(field, t string) error {
	for _, k := range EventTypes {
		if t == k {
			return nil
		}
	}
	return errs.Field(field, `must be "motion", "offline" or "online"`)
}

// MaxEventsListed bounds one events list: a camera that reports motion all
// day still answers with a page a browser can draw.
const MaxEventsListed = 5000
