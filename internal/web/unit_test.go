package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/errs"
)

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/accounts?parent=3": "/accounts?parent=3", "//evil.example": "/", "/\\evil.example": "/",
		"https://evil.example/": "/", "javascript:alert(1)": "/", "accounts": "/",
		// Browsers strip tabs and newlines and read \ as /: each of these
		// would leave the site.
		"/\t/evil.example": "/", "/\n/evil.example": "/", "/\r\n/evil.example": "/", "/a\\..\\..\\/evil": "/",
		"\\\\evil.example": "/", "/\x00x": "/", "/%09/evil.example": "/%09/evil.example", "/ok\x7f": "/",
		"/cameras/3?from=2026-01-01T00:00:00Z": "/cameras/3?from=2026-01-01T00:00:00Z",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBarChart(t *testing.T) {
	c := newBarChart([]stat{{Label: "A", Value: 0}, {Label: "B", Value: 10}, {Label: "C", Value: 1}, {Label: "Size", Text: "3 MB", Value: 999}})
	if len(c.Bars) != 3 {
		t.Fatalf("bars %d: sized stats must stay out of the chart", len(c.Bars))
	}
	a, b, cc := c.Bars[0], c.Bars[1], c.Bars[2]
	if a.H != 0 || b.H != c.AxisY-22 || cc.H < 2 || cc.H >= b.H {
		t.Errorf("heights %d %d %d", a.H, b.H, cc.H)
	}
	if b.Y+b.H != a.Y+a.H || a.X >= b.X || b.X >= cc.X || cc.X+cc.W > c.Width {
		t.Errorf("geometry %+v", c.Bars)
	}
	if c.Summary != "A 0, B 10, C 1" {
		t.Errorf("summary %q", c.Summary)
	}
}

func TestBytesText(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1500: "1 KB", 5 << 20: "5.0 MB", 3 << 30: "3.00 GB"} {
		if got := bytesText(n); got != want {
			t.Errorf("bytesText(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPlanStateAndErrors(t *testing.T) {
	row := planRow{ID: 7, MyName: "Cloud", DefaultPrice: "5.0000"}
	if st := planState(url.Values{}, row); !st.On || st.Name != "Cloud" || st.Price != "5.0000" {
		t.Errorf("defaults before the plans step: %+v", st)
	}
	f := url.Values{"plans_init": {"1"}, "plan_7_on": {"0", "1"}, "plan_7_name": {"Gold"}, "plan_7_price": {"9"}}
	if st := planState(f, row); !st.On || st.Name != "Gold" || st.Price != "9" {
		t.Errorf("checked switch: %+v", st)
	}
	f["plan_7_on"] = []string{"0"}
	if st := planState(f, row); st.On {
		t.Errorf("unchecked switch reads ON")
	}
	err := planErrors(fieldsErr(map[string]string{"plans[1].cost": "bad", "plans[0].name": "long", "email": "taken"}),
		[]planRow{{ID: 3}, {ID: 7}})
	for _, want := range []string{"[plan_7_price: bad]", "[plan_3_name: long]", "[email: taken]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err.Error(), want)
		}
	}
}

func fieldsErr(m map[string]string) error {
	f := errs.Fields{}
	for k, v := range m {
		f.Add(k, v)
	}
	return f.Err()
}
