package camera

import (
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
)

// Share kinds: a camera live, or one clip.
const (
	ShareLive = "live"
	ShareClip = "clip"
)

// MaxShareHours is the longest a share link may live: 30 days.
const MaxShareHours = 30 * 24

// Share is a link that lets people without an account watch one camera live
// or one clip until it expires or is revoked. Only the token's hash is
// stored. It acts for the user who made it: every view is decided again as
// that user (ShareRights), so the link stops with the sharer's rights,
// modules or account.
type Share struct {
	ID        int64
	Kind      string
	CameraID  int64
	ClipID    int64 // 0 for live
	CreatedBy int64
	AccountID int64 // the sharer's account
	ExpiresAt time.Time
	RevokedAt *time.Time
	Views     int64
	CreatedAt time.Time
}

// NewShare is a request for a share link, already decoded.
type NewShare struct {
	Kind           string
	CameraID       int64
	ClipID         int64
	ExpiresInHours int
}

// Validate checks the request: a known kind with its one id, and an expiry
// of 1 to MaxShareHours hours.
func (n NewShare) Validate() error {
	f := errs.Fields{}
	switch n.Kind {
	case ShareLive:
		if n.CameraID <= 0 {
			f.Add("camera_id", "is required for a live share")
		}
		if n.ClipID != 0 {
			f.Add("clip_id", `only for kind "clip"`)
		}
	case ShareClip:
		if n.ClipID <= 0 {
			f.Add("clip_id", "is required for a clip share")
		}
		if n.CameraID != 0 {
			f.Add("camera_id", `only for kind "live"; a clip share names its clip`)
		}
	case "":
		f.Add("kind", `is required: "live" or "clip"`)
	default:
		f.Add("kind", `must be "live" or "clip"`)
	}
	if n.ExpiresInHours < 1 || n.ExpiresInHours > MaxShareHours {
		f.Add("expires_in_hours", "must be between 1 and 720 (30 days)")
	}
	return f.Err()
}

// ShareRights are the rights the sharer must still hold for a share to
// work: share itself, and what the viewer does (watch live, or play back
// recorded video).
func ShareRights(kind string) []string {
	if kind == ShareLive {
		return []string{identity.RightShare, identity.RightViewLive}
	}
	return []string{identity.RightShare, identity.RightPlayback}
}

// Open reports whether the link still works at now: 410 Gone once revoked
// or expired, for its page and its media alike.
func (s Share) Open(now time.Time) error {
	if s.RevokedAt != nil {
		return errs.New(errs.Gone, "share_revoked", "this link has been revoked")
	}
	if !now.Before(s.ExpiresAt) {
		return errs.New(errs.Gone, "share_expired", "this link has expired")
	}
	return nil
}
