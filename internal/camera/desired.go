package camera

import (
	"time"

	"github.com/vigilo/vigilo/internal/tenancy"
)

// DefaultSegmentLength is the length of one recording file when nothing
// else is configured (the recorder's own default is the same).
const DefaultSegmentLength = time.Minute

// DesiredInputs is everything that decides whether one camera records. It
// is filled from stored state by store.Q.DesiredRecordings, and by tests
// from their own model.
type DesiredInputs struct {
	// Enabled is the camera's own switch (R8: a camera switched off by
	// itself stays off whatever happens above it).
	Enabled bool
	// CustomerID is the customer it is assigned to; 0 = unassigned.
	CustomerID int64
	// HasPlan tells whether the camera is on a plan that still exists;
	// RetentionDays is that plan's retention.
	HasPlan       bool
	RetentionDays int
	// Chain holds the statuses of every account on the customer's path,
	// root first (R6: one disabled ancestor stops the whole subtree).
	Chain []tenancy.Status
	// CloudRecording is the cloud_recording module as effective for the
	// customer (the fold of the switches along its path, R5).
	CloudRecording bool
}

// ShouldRecord is the desired recording state of one camera: enabled,
// assigned to a customer, on a plan that records (it exists and keeps
// video for at least a day), every account up the customer's path enabled,
// and cloud_recording effective for the customer.
func ShouldRecord(in DesiredInputs) bool {
	return in.Enabled &&
		in.CustomerID != 0 &&
		in.HasPlan && in.RetentionDays > 0 &&
		len(in.Chain) > 0 && tenancy.Effective(in.Chain) == tenancy.Active &&
		in.CloudRecording
}

// DesiredCamera is one camera that should be recording now, with what the
// recorder needs to record it.
type DesiredCamera struct {
	CameraID       int64
	IntegratorID   int64
	CustomerID     int64
	CustomerPath   string // to match events, whose Path names a subtree
	Type           string // generic, onvif, pnp
	RTSPURL        string
	Username       string
	SecretEnc      string // encrypted at rest; the recorder decrypts it
	PlanID         int64
	RetentionDays  int
	RecordingMode  string // continuous or events
	MaxBitrateKbps int
	SegmentLength  time.Duration
}
