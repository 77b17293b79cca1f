package tenancy

import (
	"testing"

	"github.com/vigilo/vigilo/internal/errs"
)

func TestModuleCatalogue(t *testing.T) {
	want := []string{"live_view", "playback", "cloud_recording", "clips", "sharing", "events", "admin_portal",
		"users_roles", "pnp_cameras", "sub_integrators", "api_access", "branding"}
	if len(Modules) != len(want) {
		t.Fatalf("%d modules, want %d", len(Modules), len(want))
	}
	for i, k := range want {
		m := Modules[i]
		if m.Key != k || m.Name == "" || len(m.Description) < 20 {
			t.Errorf("module %d = %+v, want key %s with a name and a description", i, m, k)
		}
		if !ValidModule(k) {
			t.Errorf("%s not valid", k)
		}
		// Defaults (R5): integrators everything, customers all but P&P.
		if !DefaultModule(Integrator, k) {
			t.Errorf("integrator default %s off", k)
		}
		if DefaultModule(Customer, k) != (k != ModPnPCameras) {
			t.Errorf("customer default %s = %v", k, DefaultModule(Customer, k))
		}
	}
	if ValidModule("teleport") {
		t.Error("unknown module accepted")
	}
}

func TestModuleFold(t *testing.T) {
	root := ModuleLevel{AccountID: 1, Name: "Op", Type: Integrator, Switches: map[string]bool{ModLiveView: false}}
	i7 := ModuleLevel{AccountID: 7, Name: "Acme", Type: Integrator, Switches: map[string]bool{ModPlayback: false}}
	i9 := ModuleLevel{AccountID: 9, Name: "Sub", Type: Integrator, Switches: map[string]bool{ModPlayback: true, ModClips: false}}
	c42 := ModuleLevel{AccountID: 42, Name: "Shop", Type: Customer, Switches: map[string]bool{}}
	path := []ModuleLevel{root, i7, i9, c42}

	byKey := map[string]ModuleState{}
	for _, s := range EffectiveModules(path) {
		byKey[s.Key] = s
	}
	// The root's own switches are ignored: nobody is above it.
	if s := byKey[ModLiveView]; !s.Effective || !s.Enabled {
		t.Errorf("live_view %+v", s)
	}
	// Switched off for 7 by the root: off for everything below 7, even
	// though 9's own switch says on.
	if s := byKey[ModPlayback]; s.Effective || !s.Enabled || s.OffAt != 1 || s.RestrictedBy != 1 || s.RestrictedByName != "Op" {
		t.Errorf("playback %+v", s)
	}
	if s := byKey[ModClips]; s.Effective || !s.Enabled || s.OffAt != 2 || s.RestrictedBy != 7 {
		t.Errorf("clips %+v", s)
	}
	// A customer's default: P&P off, switched off by its parent.
	if s := byKey[ModPnPCameras]; s.Effective || s.Enabled || s.OffAt != 3 || s.RestrictedBy != 9 {
		t.Errorf("pnp %+v", s)
	}
	if on, at := ModuleOn(path[:3], ModPnPCameras); !on || at != -1 {
		t.Errorf("pnp at the integrator: %v %d", on, at)
	}
	if on, _ := ModuleOn(path[:1], ModPlayback); !on {
		t.Error("root lacks a module")
	}
	if on, _ := ModuleOn(nil, ModPlayback); on {
		t.Error("empty path has a module")
	}
}

func TestCheckModuleSwitches(t *testing.T) {
	if err := CheckModuleSwitches(map[string]bool{"live_view": false, "bogus": true}); err == nil {
		t.Fatal("unknown key accepted")
	} else if e, _ := errs.As(err); e.Fields["bogus"] == "" || e.Fields["live_view"] != "" {
		t.Fatalf("fields %v", e.Fields)
	}
	if err := CheckModuleSwitches(map[string]bool{}); errs.KindOf(err) != errs.Invalid {
		t.Fatal("empty body accepted")
	}
	if err := CheckModuleSwitches(map[string]bool{"branding": true}); err != nil {
		t.Fatal(err)
	}
	if err := ErrModuleDisabled(ModLiveView); errs.CodeOf(err) != "module_disabled" || errs.KindOf(err) != errs.Forbidden {
		t.Fatal(err)
	}
}
