package identity

import (
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Portal says where a role's users work (R9): admins manage the account in
// the admin portal; guards and viewers only watch video.
type Portal string

const (
	AdminPortal Portal = "admin"
	VideoPortal Portal = "video"
)

// Camera rights of video roles.
const (
	RightViewLive = "view_live"
	RightPlayback = "playback"
	RightSaveClip = "save_clip"
	RightShare    = "share"
	RightPTZ      = "ptz"
)

// AllRights lists every camera right in display order.
var AllRights = []string{RightViewLive, RightPlayback, RightSaveClip, RightShare, RightPTZ}

// Role is a named set of permissions in one account.
type Role struct {
	ID          int64
	AccountID   int64
	Name        string
	Description string
	Portal      Portal
	Rights      []string
	AllCameras  bool
	CameraIDs   []int64
	BuiltIn     bool
}

// DefaultRoles are created with every account so that an owner can add
// users at once; they can be edited or joined by custom roles.
func DefaultRoles() []Role {
	return []Role{
		{Name: "Administrator", Description: "Manages the account in the admin portal", Portal: AdminPortal, Rights: AllRights, AllCameras: true, BuiltIn: true},
		{Name: "Guard", Description: "Watches live video and recordings, saves clips", Portal: VideoPortal, Rights: []string{RightViewLive, RightPlayback, RightSaveClip, RightPTZ}, AllCameras: true, BuiltIn: true},
		{Name: "Viewer", Description: "Watches live video only", Portal: VideoPortal, Rights: []string{RightViewLive}, AllCameras: true, BuiltIn: true},
	}
}

// Validate checks a role's input.
func (r *Role) Validate() error {
	f := errs.Fields{}
	r.Name = strings.TrimSpace(r.Name)
	tenancy.CheckName(f, "name", r.Name, 100, true)
	r.Description = strings.TrimSpace(r.Description)
	tenancy.CheckText(f, "description", r.Description, tenancy.MaxText, false)
	if r.Portal != AdminPortal && r.Portal != VideoPortal {
		f.Add("portal", `must be "admin" or "video"`)
	}
	seen := map[string]bool{}
	for _, right := range r.Rights {
		if !validRight(right) {
			f.Add("rights", "unknown right "+right)
		}
		if seen[right] {
			f.Add("rights", "duplicate right "+right)
		}
		seen[right] = true
	}
	return f.Err()
}

func validRight(r string) bool {
	for _, a := range AllRights {
		if a == r {
			return true
		}
	}
	return false
}
