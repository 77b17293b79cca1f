package tenancy

import (
	"github.com/vigilo/vigilo/internal/errs"
)

// Module keys (DESIGN.md §3). They are stored in account_modules.module and
// used in the API, so they never change once shipped.
const (
	ModLiveView       = "live_view"
	ModPlayback       = "playback"
	ModCloudRecording = "cloud_recording"
	ModClips          = "clips"
	ModSharing        = "sharing"
	ModEvents         = "events"
	ModAdminPortal    = "admin_portal"
	ModUsersRoles     = "users_roles"
	ModPnPCameras     = "pnp_cameras"
	ModSubIntegrators = "sub_integrators"
	ModAPIAccess      = "api_access"
	ModBranding       = "branding"
)

// Module is one feature area that a parent can switch off for a child (R5).
type Module struct {
	Key         string
	Name        string
	Description string
}

// Modules is the catalogue, in the order the portal lists it.
var Modules = []Module{
	{ModLiveView, "Live view", "Watch cameras live in the video portal."},
	{ModPlayback, "Playback", "Watch recorded video and move along the recording timeline."},
	{ModCloudRecording, "Cloud recording", "Record cameras to the cloud. When off, cameras stop recording; what was already recorded stays viewable."},
	{ModClips, "Clips", "Cut, save and download clips from recorded video."},
	{ModSharing, "Sharing", "Share cameras and clips with people outside the account through links."},
	{ModEvents, "Events", "Motion and camera events: event-based recording, the event list and notifications."},
	{ModAdminPortal, "Admin portal", "Let the account's owners and administrators manage it in the admin portal."},
	{ModUsersRoles, "Users and roles", "Add users and define roles that decide which cameras each user sees and what they may do."},
	{ModPnPCameras, "Plug & Play cameras", "Add cameras that connect by themselves through the Plug & Play agent (device id and claim code)."},
	{ModSubIntegrators, "Sub-integrators", "Create integrators below this account, who resell to their own customers."},
	{ModAPIAccess, "API access", "Call the REST API with a Bearer token from scripts and other systems. The web portals keep working when it is off."},
	{ModBranding, "Branding", "Use an own logo, colours and address for the portals (white label)."},
}

var moduleIndex = func() map[string]int {
	m := make(map[string]int, len(Modules))
	for i, mod := range Modules {
		m[mod.Key] = i
	}
	return m
}()

// LookupModule returns the catalogue entry of key.
func LookupModule(key string) (Module, bool) {
	i, ok := moduleIndex[key]
	if !ok {
		return Module{}, false
	}
	return Modules[i], true
}

// ValidModule reports whether key is a known module.
func ValidModule(key string) bool { _, ok := moduleIndex[key]; return ok }

// ModuleName is the name people see for key (the key itself if unknown).
func ModuleName(key string) string {
	if m, ok := LookupModule(key); ok {
		return m.Name
	}
	return key
}

// DefaultModule is the switch of a module for an account of type t when its
// parent never set it: integrators get every module, customers every module
// except adding P&P cameras (R5).
func DefaultModule(t Type, key string) bool {
	return !(t == Customer && key == ModPnPCameras)
}

// ModuleLevel is one account on a path with the switches its parent set for
// it. Switches holds only what was set explicitly; the rest is the default.
type ModuleLevel struct {
	AccountID int64
	Name      string
	Type      Type
	// Status is the account's own status, read in the same query, so one
	// load serves both the module fold and the R6 chain check.
	Status   Status
	Switches map[string]bool
	// VideoPrivate: the account withholds its video from the accounts
	// above it (customer privacy, privacy.go).
	VideoPrivate bool
}

// Switch is the switch of key at this level: as set by the parent, or the
// default for the account's type.
func (l ModuleLevel) Switch(key string) bool {
	if v, ok := l.Switches[key]; ok {
		return v
	}
	return DefaultModule(l.Type, key)
}

// ModuleState is a module as one account has it.
type ModuleState struct {
	Module
	// Enabled is the switch the parent set for this account (the root,
	// having no parent, always has every switch on).
	Enabled bool
	// Effective is the fold along the path: on only if every level from the
	// root's children down to this account has it on.
	Effective bool
	// OffAt is the index in the path of the topmost level whose switch is
	// off, or -1 when the module is effective. The account that switched it
	// off is that level's parent, path[OffAt-1].
	OffAt int
	// RestrictedBy is the account that switched it off (0 when effective).
	RestrictedBy     int64
	RestrictedByName string
}

// ModuleOn folds one module along path (root first, the account itself
// last) and reports whether it is effective and, if not, the index of the
// topmost level that has it off. The root's own switches are ignored:
// nobody is above it to set them.
func ModuleOn(path []ModuleLevel, key string) (on bool, offAt int) {
	for i := 1; i < len(path); i++ {
		if !path[i].Switch(key) {
			return false, i
		}
	}
	return len(path) > 0, -1
}

// EffectiveModules folds every module of the catalogue along path (root
// first, the account itself last), in catalogue order.
func EffectiveModules(path []ModuleLevel) []ModuleState {
	out := make([]ModuleState, len(Modules))
	for i, m := range Modules {
		s := ModuleState{Module: m, Enabled: true, OffAt: -1}
		if n := len(path); n > 1 {
			s.Enabled = path[n-1].Switch(m.Key)
		}
		on, at := ModuleOn(path, m.Key)
		s.Effective = on
		if !on && at > 0 {
			s.OffAt = at
			s.RestrictedBy, s.RestrictedByName = path[at-1].AccountID, path[at-1].Name
		}
		out[i] = s
	}
	return out
}

// CheckModuleSwitches validates a PUT body: known keys only.
func CheckModuleSwitches(sw map[string]bool) error {
	f := errs.Fields{}
	if len(sw) == 0 {
		f.Add("body", "name at least one module, e.g. {\"live_view\": false}")
	}
	for k := range sw {
		if !ValidModule(k) {
			f.Add(k, "unknown module")
		}
	}
	return f.Err()
}

// ErrModuleDisabled is the refusal when a module is off for the actor's
// account (403 module_disabled), naming the module for people.
func ErrModuleDisabled(key string) error {
	return errs.Forbiddenf("module_disabled", "the %s module (%s) is switched off for this account", ModuleName(key), key)
}
