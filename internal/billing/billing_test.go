package billing

import (
	"testing"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
)

type memCatalog struct {
	plans  map[int64]Plan
	offers map[[2]int64]Offer
}

func (m memCatalog) Plan(id int64) (Plan, bool) { p, ok := m.plans[id]; return p, ok }
func (m memCatalog) Offer(p, a int64) (Offer, bool) {
	o, ok := m.offers[[2]int64{p, a}]
	return o, ok
}
func (m memCatalog) Path(int64) []int64 { return nil }

// Tree 1 → 2 → 3 → 4. Plan 10 is the operator's; 20 is account 2's copy of
// it; 30 is account 3's copy of 20.
func TestUsableFollowsEveryLevelAndCopies(t *testing.T) {
	shown := Offer{Selected: true, Visible: true}
	m := memCatalog{plans: map[int64]Plan{10: {ID: 10, OwnerAccountID: 1}, 20: {ID: 20, OwnerAccountID: 2, SourcePlanID: 10},
		30: {ID: 30, OwnerAccountID: 3, SourcePlanID: 20}},
		offers: map[[2]int64]Offer{{10, 2}: shown, {10, 3}: shown, {20, 3}: shown, {30, 4}: shown}}
	path := []int64{1, 2, 3, 4}
	cases := []struct {
		name  string
		path  []int64
		plan  int64
		want  bool
		tweak func()
	}{
		{"owner uses its own plan", path[:1], 10, true, nil},
		{"two levels offered", path[:3], 10, true, nil},
		{"level 4 not offered", path, 10, false, nil},
		{"copy usable by its owner's child", path[:3], 20, true, nil},
		{"copy of a copy", path, 30, true, nil},
		{"plan of another branch", []int64{1, 5}, 20, false, nil},
		{"hidden in the middle", path[:3], 10, false, func() { m.offers[[2]int64{10, 2}] = Offer{Selected: true} }},
		{"source hidden from the copier retires the copies", path, 30, false, nil},
		{"switched back on", path, 30, true, func() { m.offers[[2]int64{10, 2}] = shown }},
		{"unselected keeps nothing usable", path, 30, false, func() { m.offers[[2]int64{20, 3}] = Offer{Visible: true} }},
	}
	for _, c := range cases {
		if c.tweak != nil {
			c.tweak()
		}
		if got := Usable(m, c.path, c.plan); got != c.want {
			t.Errorf("%s: Usable(%v, %d) = %v", c.name, c.path, c.plan, got)
		}
	}
}

func TestComputeMargin(t *testing.T) {
	cost := money.MustParse("3")
	m := ComputeMargin(Margin{Cost: &cost, EndUserPrice: money.MustParse("6"), Children: []ChildMargin{
		{Cost: money.MustParse("6.5"), Cameras: 2}, {Cost: money.MustParse("2.9999"), Cameras: 3}}}, 0)
	if m.Cameras != 5 || m.PaysUp.String() != "15.0000" || m.ChargesDown.String() != "21.9997" || m.Total.String() != "6.9997" ||
		m.Children[1].PerCamera.String() != "-0.0001" || m.Children[1].Margin.String() != "-0.0003" || m.PerCamera.String() != "3.0000" {
		t.Fatalf("integrator margin: %+v", m)
	}
	c := ComputeMargin(Margin{Customer: true, Cost: &cost, EndUserPrice: money.MustParse("4.5")}, 4)
	if c.PaysUp.String() != "12.0000" || c.ChargesDown.String() != "18.0000" || c.Total.String() != "6.0000" {
		t.Fatalf("customer margin: %+v", c)
	}
	op := ComputeMargin(Margin{EndUserPrice: money.MustParse("5"), Children: []ChildMargin{{Cost: money.MustParse("5"), Cameras: 7}}}, 0)
	if op.PaysUp != 0 || op.Total.String() != "35.0000" {
		t.Fatalf("operator margin: %+v", op)
	}
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid {
		t.Fatalf("want a field error, got %v", err)
	}
	return e.Fields
}

func TestValidation(t *testing.T) {
	n := NewPlan{Name: " ", Kind: "monthly", RecordingMode: "sometimes", RetentionDays: 0, MaxBitrateKbps: -1, Price: -1}
	f := fieldsOf(t, n.Validate())
	for _, k := range []string{"name", "kind", "recording_mode", "retention_days", "max_bitrate_kbps", "price"} {
		if f[k] == "" {
			t.Errorf("NewPlan: no error on %s: %v", k, f)
		}
	}
	ok := NewPlan{Name: "Thirty", Kind: Fixed, RetentionDays: 30, Price: money.MustParse("1")}
	if err := ok.Validate(); err != nil || ok.RecordingMode != Continuous {
		t.Fatalf("valid plan refused: %v (%q)", err, ok.RecordingMode)
	}
	neg := money.MustParse("-0.0001")
	c := CopyInput{EndUserPrice: &neg, AccountIDs: []int64{4, 0, 4}}
	f = fieldsOf(t, c.Validate())
	for _, k := range []string{"cost", "end_user_price", "account_ids[1]", "account_ids[2]"} {
		if f[k] == "" {
			t.Errorf("CopyInput: no error on %s: %v", k, f)
		}
	}
	fs := errs.Fields{}
	bad, tooBig := "1,5", "1000000.0001"
	if ParsePrice(fs, "plans[0].cost", &bad) != nil || ParsePrice(fs, "plans[1].cost", &tooBig) != nil || len(fs) != 2 {
		t.Fatalf("ParsePrice: %v", fs)
	}
	p := OfferPatch{Cost: &neg}
	if f := fieldsOf(t, p.Validate("plans[3].")); f["plans[3].cost"] == "" {
		t.Fatalf("prefix not applied: %v", f)
	}
}

func TestHidingKeepsSettings(t *testing.T) {
	o := Offer{Selected: true, Visible: true, Name: "Gold", Cost: money.MustParse("2"), EndUserPrice: money.MustParse("3")}
	off := false
	OfferPatch{Visible: &off}.Apply(&o, "Parent name")
	if o.Shown() || o.Name != "Gold" || o.Cost.String() != "2.0000" || o.EndUserPrice.String() != "3.0000" {
		t.Fatalf("hidden offer lost settings: %+v", o)
	}
	empty := ""
	OfferPatch{Name: &empty}.Apply(&o, "Parent name")
	if o.Name != "Parent name" {
		t.Fatalf("blank name not replaced by the parent's: %q", o.Name)
	}
}
