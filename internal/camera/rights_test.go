package camera

import (
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TestDecideRight walks the four refusals in order from one allowed
// request: root /1/ → integrator /1/2/ → customer /1/2/3/, camera 9 of the
// integrator assigned to the customer, a Guard of the customer.
func TestDecideRight(t *testing.T) {
	path := func() []tenancy.ModuleLevel {
		return []tenancy.ModuleLevel{
			{AccountID: 1, Type: tenancy.Integrator, Status: tenancy.Active, Switches: map[string]bool{}},
			{AccountID: 2, Type: tenancy.Integrator, Status: tenancy.Active, Switches: map[string]bool{}},
			{AccountID: 3, Type: tenancy.Customer, Status: tenancy.Active, Switches: map[string]bool{}},
		}
	}
	good := RightInputs{
		Actor:  tenancy.Actor{AccountID: 3, AccountPath: "/1/2/3/", Rights: []string{"view_live", "playback"}, CameraIDs: []int64{9}},
		Camera: Camera{ID: 9, IntegratorPath: "/1/2/", CustomerPath: "/1/2/3/"},
		Right:  "playback", Path: path(),
	}
	if err := decide(good); err != nil {
		t.Fatalf("allowed request refused: %v", err)
	}
	for name, tc := range map[string]struct {
		mut  func(*RightInputs)
		code string
	}{
		"other tenant":          {func(in *RightInputs) { in.Actor.AccountPath = "/1/5/" }, "not_found"},
		"sibling customer":      {func(in *RightInputs) { in.Camera.CustomerPath = "/1/2/4/" }, "not_found"},
		"right not in role":     {func(in *RightInputs) { in.Right = "save_clip" }, "right_missing"},
		"camera not in role":    {func(in *RightInputs) { in.Actor.CameraIDs = []int64{8} }, "right_missing"},
		"module off at root+1":  {func(in *RightInputs) { in.Path[1].Switches["playback"] = false }, "module_disabled"},
		"module off at itself":  {func(in *RightInputs) { in.Path[2].Switches["playback"] = false }, "module_disabled"},
		"customer disabled":     {func(in *RightInputs) { in.Path[2].Status = tenancy.Disabled }, "account_disabled"},
		"integrator disabled":   {func(in *RightInputs) { in.Path[1].Status = tenancy.Disabled }, "account_disabled"},
		"path of another":       {func(in *RightInputs) { in.Path = in.Path[:2] }, "internal"},
		"unknown right":         {func(in *RightInputs) { in.Right = "fly" }, "internal"},
		"right before module":   {func(in *RightInputs) { in.Right = "share"; in.Path[2].Switches["sharing"] = false }, "right_missing"},
		"module before disable": {func(in *RightInputs) { in.Path[2].Switches["playback"] = false; in.Path[2].Status = tenancy.Disabled }, "module_disabled"},
	} {
		in := good
		in.Path = path()
		tc.mut(&in)
		if err := decide(in); errs.CodeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	// The root's own switches are nobody's to set; all_cameras covers every
	// camera; admins have every right; ptz goes with live_view.
	in := good
	in.Path = path()
	in.Path[0].Switches["playback"] = false
	in.Actor.CameraIDs, in.Actor.AllCameras = nil, true
	if err := decide(in); err != nil {
		t.Errorf("all_cameras or root switch: %v", err)
	}
	in.Actor = tenancy.Actor{AccountID: 2, AccountPath: "/1/2/", Admin: true}
	in.Right = "ptz"
	if err := decide(in); err != nil {
		t.Errorf("integrator admin: %v", err)
	}
	in.Path[2].Switches["live_view"] = false
	if err := decide(in); errs.CodeOf(err) != "module_disabled" {
		t.Errorf("ptz without live_view: %v", err)
	}
	// Unassigned: the integrator's path decides.
	in = RightInputs{Actor: in.Actor, Camera: Camera{ID: 9, IntegratorPath: "/1/2/"}, Right: "view_live", Path: path()[:2]}
	if err := decide(in); err != nil {
		t.Errorf("unassigned camera: %v", err)
	}
	if Covers(good.Actor, Camera{ID: 9, IntegratorPath: "/1/2/"}) {
		t.Error("a customer's guard covers an unassigned camera of its integrator")
	}
}

func decide(in RightInputs) error {
	_, err := DecideRight(in)
	return err
}

// TestDecideRightPrivacy: a private customer withholds video from every
// account above it — admins and video roles alike, every right — unless an
// active grant names the actor's own account (never for share); its own
// users are never withheld; a refused parent is told video_withheld after
// the other refusals; an allowed parent's access names its account and grant.
func TestDecideRightPrivacy(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	path := func(private bool) []tenancy.ModuleLevel {
		return []tenancy.ModuleLevel{
			{AccountID: 1, Name: "Operator", Type: tenancy.Integrator, Status: tenancy.Active, Switches: map[string]bool{}},
			{AccountID: 2, Name: "Integrator", Type: tenancy.Integrator, Status: tenancy.Active, Switches: map[string]bool{}},
			{AccountID: 3, Name: "Shop", Type: tenancy.Customer, Status: tenancy.Active, Switches: map[string]bool{}, VideoPrivate: private},
		}
	}
	cam := Camera{ID: 9, IntegratorPath: "/1/2/", CustomerPath: "/1/2/3/"}
	integ := tenancy.Actor{AccountID: 2, AccountPath: "/1/2/", Admin: true}
	oper := tenancy.Actor{AccountID: 1, AccountPath: "/1/", Admin: true}
	guard := tenancy.Actor{AccountID: 2, AccountPath: "/1/2/", Rights: []string{"view_live"}, AllCameras: true}
	own := tenancy.Actor{AccountID: 3, AccountPath: "/1/2/3/", Rights: []string{"view_live"}, AllCameras: true}
	grant := func(to int64, exp time.Time) tenancy.PrivacyGrant {
		return tenancy.PrivacyGrant{ID: 40 + to, AccountID: 3, GranteeID: to, ExpiresAt: exp}
	}
	revoked := grant(2, now.Add(time.Hour))
	revoked.RevokedAt = &now
	for _, tc := range []struct {
		name    string
		actor   tenancy.Actor
		private bool
		right   string
		grants  []tenancy.PrivacyGrant
		mut     func(in *RightInputs)
		code    string
		grantID int64
	}{
		{name: "not private: parent in", actor: integ, right: "view_live"},
		{name: "private: parent admin out", actor: integ, private: true, right: "view_live", code: "video_withheld"},
		{name: "private: every right", actor: integ, private: true, right: "save_clip", code: "video_withheld"},
		{name: "private: ptz", actor: integ, private: true, right: "ptz", code: "video_withheld"},
		{name: "private: operator out", actor: oper, private: true, right: "playback", code: "video_withheld"},
		{name: "private: parent guard out", actor: guard, private: true, right: "view_live", code: "video_withheld"},
		{name: "private: own guard in", actor: own, private: true, right: "view_live"},
		{name: "grant lets the parent in", actor: integ, private: true, right: "playback",
			grants: []tenancy.PrivacyGrant{grant(2, now.Add(time.Hour))}, grantID: 42},
		{name: "grant to the parent is not the operator's", actor: oper, private: true, right: "playback",
			grants: []tenancy.PrivacyGrant{grant(2, now.Add(time.Hour))}, code: "video_withheld"},
		{name: "grant to the operator", actor: oper, private: true, right: "view_live",
			grants: []tenancy.PrivacyGrant{grant(2, now.Add(time.Hour)), grant(1, now.Add(time.Minute))}, grantID: 41},
		{name: "expired grant", actor: integ, private: true, right: "view_live",
			grants: []tenancy.PrivacyGrant{grant(2, now)}, code: "video_withheld"},
		{name: "revoked grant", actor: integ, private: true, right: "view_live",
			grants: []tenancy.PrivacyGrant{revoked}, code: "video_withheld"},
		{name: "grant of another customer", actor: integ, private: true, right: "view_live",
			grants: []tenancy.PrivacyGrant{{ID: 7, AccountID: 4, GranteeID: 2, ExpiresAt: now.Add(time.Hour)}}, code: "video_withheld"},
		{name: "no share through a grant", actor: integ, private: true, right: "share",
			grants: []tenancy.PrivacyGrant{grant(2, now.Add(time.Hour))}, code: "video_withheld"},
		{name: "guard's missing right first", actor: guard, private: true, right: "playback", code: "right_missing"},
		{name: "module first", actor: integ, private: true, right: "view_live", code: "module_disabled",
			mut: func(in *RightInputs) { in.Path[2].Switches["live_view"] = false }},
		{name: "disable first", actor: integ, private: true, right: "view_live", code: "account_disabled",
			mut: func(in *RightInputs) { in.Path[2].Status = tenancy.Disabled }},
		{name: "unassigned: the integrator's own", actor: integ, private: true, right: "view_live",
			mut: func(in *RightInputs) { in.Camera.CustomerPath = ""; in.Path = in.Path[:2] }},
	} {
		in := RightInputs{Actor: tc.actor, Camera: cam, Right: tc.right, Path: path(tc.private), Grants: tc.grants, Now: now}
		if tc.mut != nil {
			tc.mut(&in)
		}
		acc, err := DecideRight(in)
		if errs.CodeOf(err) != tc.code {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
			continue
		}
		if err != nil {
			continue
		}
		parent := tc.actor.AccountID != in.Path[len(in.Path)-1].AccountID
		if acc.ByAncestor != parent || acc.Grant != tc.grantID || (parent && acc.From == "") {
			t.Errorf("%s: access %+v, want by ancestor %v, grant %d", tc.name, acc, parent, tc.grantID)
		}
		if NeedsGrants(tc.actor, in.Path) != (tc.private && parent) {
			t.Errorf("%s: NeedsGrants wrong", tc.name)
		}
	}
}
