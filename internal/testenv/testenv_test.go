package testenv

import (
	"strings"
	"testing"
)

func TestRequireToolMissing(t *testing.T) {
	run := func() *fakeT {
		ft := &fakeT{TB: t}
		func() {
			defer func() { recover() }()
			RequireTool(ft, "vigilo-no-such-tool")
		}()
		return ft
	}
	t.Setenv("CI", "")
	if ft := run(); !strings.Contains(ft.skip, "vigilo-no-such-tool not found") || ft.fatal != "" {
		t.Errorf("locally: skip %q, fatal %q", ft.skip, ft.fatal)
	}
	t.Setenv("CI", "true")
	if ft := run(); !strings.Contains(ft.fatal, "vigilo-no-such-tool not found") || ft.skip != "" {
		t.Errorf("in CI: skip %q, fatal %q", ft.skip, ft.fatal)
	}
}

func TestRequireToolFound(t *testing.T) {
	if p := RequireTool(t, "go"); !strings.HasSuffix(p, "/go") {
		t.Errorf("RequireTool(go) = %q", p)
	}
}
