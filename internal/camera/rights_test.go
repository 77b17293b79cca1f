package camera

import (
	"testing"

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
	if err := DecideRight(good); err != nil {
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
		if err := DecideRight(in); errs.CodeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	// The root's own switches are nobody's to set; all_cameras covers every
	// camera; admins have every right; ptz goes with live_view.
	in := good
	in.Path = path()
	in.Path[0].Switches["playback"] = false
	in.Actor.CameraIDs, in.Actor.AllCameras = nil, true
	if err := DecideRight(in); err != nil {
		t.Errorf("all_cameras or root switch: %v", err)
	}
	in.Actor = tenancy.Actor{AccountID: 2, AccountPath: "/1/2/", Admin: true}
	in.Right = "ptz"
	if err := DecideRight(in); err != nil {
		t.Errorf("integrator admin: %v", err)
	}
	in.Path[2].Switches["live_view"] = false
	if err := DecideRight(in); errs.CodeOf(err) != "module_disabled" {
		t.Errorf("ptz without live_view: %v", err)
	}
	// Unassigned: the integrator's path decides.
	in = RightInputs{Actor: in.Actor, Camera: Camera{ID: 9, IntegratorPath: "/1/2/"}, Right: "view_live", Path: path()[:2]}
	if err := DecideRight(in); err != nil {
		t.Errorf("unassigned camera: %v", err)
	}
	if Covers(good.Actor, Camera{ID: 9, IntegratorPath: "/1/2/"}) {
		t.Error("a customer's guard covers an unassigned camera of its integrator")
	}
}
