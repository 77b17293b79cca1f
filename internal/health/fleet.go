package health

import (
	"slices"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
)

// GapMin is the least recording missing in the last 24 h (between the
// day's first and last segment) that counts as a gap: segments follow each
// other within a part or two, so less is rounding.
const GapMin = 5 * time.Second

// FleetCamera is one row of an integrator's fleet health page: what the
// store knows about a camera, and the flags computed from it.
type FleetCamera struct {
	CameraID       int64
	Name           string
	IntegratorID   int64
	CustomerID     int64
	CustomerName   string
	Enabled        bool
	PlanID         int64
	RetentionDays  int
	MaxBitrateKbps int
	CreatedAt      time.Time
	Watched        bool          // the monitor has a state for it
	State          State         // when Watched
	GapTime        time.Duration // recording missing in the last 24 h (0 below GapMin)
	OldestSegment  *time.Time    // oldest recording kept

	// Computed by Assess.
	Uptime24h, Uptime7d *float64
	Outages24h          int
	Flags               []string
}

// Flag names, also the filter values of the page and the API.
const (
	FlagOffline         = "offline"
	FlagFlapping        = "flapping"
	FlagGaps            = "gaps"
	FlagOverBitrate     = "over_bitrate"
	FlagRetentionAtRisk = "retention_at_risk"
)

// Flags lists every flag, in the order shown.
var Flags = []string{FlagOffline, FlagFlapping, FlagGaps, FlagOverBitrate, FlagRetentionAtRisk}

// retentionSlack is how much younger than the plan's retention the oldest
// kept recording may be before the promise counts as broken (retention
// runs once a minute and removes whole segments).
const retentionSlack = 6 * time.Hour

// Assess fills the computed fields of c at now from its health events
// (camera events of type online and offline).
//
//   - offline: watched and offline now;
//   - flapping: FlapThreshold or more outages in the last 24 h;
//   - gaps: recording missing in the last 24 h (GapMin or more);
//   - over_bitrate: the camera sends more than its plan's max_bitrate_kbps;
//   - retention_at_risk: the camera is older than its plan's retention but
//     its oldest kept recording is younger (footage went early, e.g. to
//     keep the disk's free-space floor), so the promised days are not kept.
func Assess(c *FleetCamera, evs []camera.Event, now time.Time) {
	if !c.Watched {
		// Not recording, so not monitored: no uptime, nothing to flag
		// but what the recordings show.
		evs = nil
	}
	if r, ok := Uptime(evs, now.Add(-24*time.Hour), now); ok {
		c.Uptime24h = &r
	}
	if r, ok := Uptime(evs, now.Add(-7*24*time.Hour), now); ok {
		c.Uptime7d = &r
	}
	c.Outages24h = Outages(evs, now.Add(-FlapWindow), now)
	c.Flags = c.Flags[:0]
	if c.Watched && !c.State.Online {
		c.Flags = append(c.Flags, FlagOffline)
	}
	if c.Outages24h >= FlapThreshold {
		c.Flags = append(c.Flags, FlagFlapping)
	}
	if c.GapTime > 0 {
		c.Flags = append(c.Flags, FlagGaps)
	}
	if c.MaxBitrateKbps > 0 && c.Watched && c.State.Online && c.State.BitrateKbps > c.MaxBitrateKbps {
		c.Flags = append(c.Flags, FlagOverBitrate)
	}
	if c.RetentionDays > 0 && c.OldestSegment != nil {
		keep := time.Duration(c.RetentionDays) * 24 * time.Hour
		if now.Sub(c.CreatedAt) > keep && now.Sub(*c.OldestSegment) < keep-retentionSlack {
			c.Flags = append(c.Flags, FlagRetentionAtRisk)
		}
	}
}

// Has reports whether c carries flag.
func (c FleetCamera) Has(flag string) bool { return slices.Contains(c.Flags, flag) }
