// Package health holds the rules of camera health: when a camera counts as
// online or offline, when an outage is announced (once, after a debounce)
// and when its end is, and how uptime and flapping are measured from the
// recorded changes. The monitor that samples the recorder and the store
// that keeps the state live elsewhere; this package only decides.
package health

import (
	"time"

	"github.com/vigilo/vigilo/internal/camera"
)

// DefaultOfflineAfter is how long a camera must stay offline before an alert
// goes out (VIGILO_OFFLINE_AFTER), so a camera rebooting for a firmware
// update or a short network blip wakes nobody.
const DefaultOfflineAfter = 5 * time.Minute

// MinOfflineAfter and MaxOfflineAfter bound the per-account override.
const (
	MinOfflineAfter = time.Second
	MaxOfflineAfter = 7 * 24 * time.Hour
)

// State is what is kept about one camera between samples.
type State struct {
	CameraID    int64
	Online      bool
	Since       time.Time // when the current state began
	LastSeen    time.Time // last sample that saw the camera online (zero: never)
	Reason      string    // why it is offline (media.Reason*), "" when online
	Alerted     bool      // an offline alert went out for the current outage
	BitrateKbps int
}

// Sample is one look at a camera the recorder is asked to record.
type Sample struct {
	Online      bool
	Reason      string
	BitrateKbps int
}

// Alert is what a step asks to announce.
type Alert int

const (
	NoAlert Alert = iota
	OfflineAlert
	RecoveryAlert
)

// Step applies a sample taken at now to the previous state. known is false
// for a camera seen for the first time. It returns the next state, whether
// the online/offline state changed (a transition to record), and the alert
// to send. An outage is announced once, when it has lasted offlineAfter;
// its recovery is announced only when the outage was, so a short blip
// sends nothing at all and a flapping camera sends one pair per outage
// that outlasts the debounce.
func Step(prev State, known bool, s Sample, now time.Time, offlineAfter time.Duration) (next State, changed bool, alert Alert) {
	next = prev
	next.BitrateKbps = s.BitrateKbps
	if s.Online {
		next.LastSeen = now
		next.Reason = ""
	} else if s.Reason != "" {
		next.Reason = s.Reason
	}
	if !known {
		next.Online, next.Since = s.Online, now
		return next, true, NoAlert
	}
	if s.Online != prev.Online {
		next.Online, next.Since, changed = s.Online, now, true
		if s.Online {
			if prev.Alerted {
				alert = RecoveryAlert
			}
			next.Alerted = false
		}
		return next, changed, alert
	}
	if !s.Online && !prev.Alerted && now.Sub(prev.Since) >= offlineAfter {
		next.Alerted = true
		alert = OfflineAlert
	}
	return next, false, alert
}

// Uptime is the share of the known time in [from, to) a camera was online,
// between 0 and 1, from its health events: "online" and "offline" camera
// events span the periods the monitor saw it up or down (open ones last
// until to). Time covered by neither (not watched: switched off, not
// recording, the server down) counts for nothing either way. ok is false
// when nothing is known about the window.
func Uptime(evs []camera.Event, from, to time.Time) (ratio float64, ok bool) {
	var up, known time.Duration
	for _, e := range evs {
		if e.Type != camera.EventOnline && e.Type != camera.EventOffline {
			continue
		}
		s, end := e.Start, to
		if e.End != nil {
			end = *e.End
		}
		if s.Before(from) {
			s = from
		}
		if end.After(to) {
			end = to
		}
		if !end.After(s) {
			continue
		}
		known += end.Sub(s)
		if e.Type == camera.EventOnline {
			up += end.Sub(s)
		}
	}
	if known <= 0 {
		return 0, false
	}
	return float64(up) / float64(known), true
}

// FlapThreshold is how many outages within FlapWindow make a camera
// "flapping" on the fleet health page.
const (
	FlapThreshold = 3
	FlapWindow    = 24 * time.Hour
)

// Outages counts the outages (offline events) that began in [from, to).
func Outages(evs []camera.Event, from, to time.Time) int {
	n := 0
	for _, e := range evs {
		if e.Type == camera.EventOffline && !e.Start.Before(from) && e.Start.Before(to) {
			n++
		}
	}
	return n
}
