package camera

import (
	"testing"

	"github.com/vigilo/vigilo/internal/tenancy"
)

func TestShouldRecord(t *testing.T) {
	on := []tenancy.Status{tenancy.Active, tenancy.Active, tenancy.Active}
	good := DesiredInputs{Enabled: true, CustomerID: 42, HasPlan: true, RetentionDays: 30, Chain: on, CloudRecording: true}
	if !ShouldRecord(good) {
		t.Fatal("a healthy camera does not record")
	}
	for name, mut := range map[string]func(*DesiredInputs){
		"camera off":        func(d *DesiredInputs) { d.Enabled = false },
		"unassigned":        func(d *DesiredInputs) { d.CustomerID = 0 },
		"no plan":           func(d *DesiredInputs) { d.HasPlan = false },
		"zero retention":    func(d *DesiredInputs) { d.RetentionDays = 0 },
		"root disabled":     func(d *DesiredInputs) { d.Chain = []tenancy.Status{tenancy.Disabled, tenancy.Active, tenancy.Active} },
		"middle disabled":   func(d *DesiredInputs) { d.Chain = []tenancy.Status{tenancy.Active, tenancy.Disabled, tenancy.Active} },
		"customer disabled": func(d *DesiredInputs) { d.Chain = []tenancy.Status{tenancy.Active, tenancy.Active, tenancy.Disabled} },
		"no chain":          func(d *DesiredInputs) { d.Chain = nil },
		"module off":        func(d *DesiredInputs) { d.CloudRecording = false },
	} {
		in := good
		mut(&in)
		if ShouldRecord(in) {
			t.Errorf("%s: still records", name)
		}
	}
}
