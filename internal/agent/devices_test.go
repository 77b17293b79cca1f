package agent

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDeviceIDsKept: a camera keeps the device id it was first served
// under when cameras are added or removed; only a camera new to the agent
// gets an id by the rule, and never one another camera had.
func TestDeviceIDsKept(t *testing.T) {
	dir := t.TempDir()
	lobby, yard, gate := Camera{Name: "lobby", URL: "rtsp://10.0.0.1/s"}, Camera{Name: "yard", URL: "rtsp://10.0.0.2/s"},
		Camera{Name: "gate", URL: "rtsp://10.0.0.3/s"}
	run := func(agentID string, cams ...Camera) []string {
		t.Helper()
		cfg := Config{Server: "https://v.example", DeviceID: agentID, ClaimCode: "123456", StateDir: dir, Cameras: cams}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		printed, err := cfg.DeviceIDs()
		if err != nil {
			t.Fatal(err)
		}
		creds, err := loadCredentials(dir)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := cfg.deviceIDs(creds)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(printed, ids) {
			t.Fatalf("printed %v before the run, served %v", printed, ids)
		}
		return ids
	}
	for _, c := range []struct {
		agent string
		cams  []Camera
		want  []string
	}{
		{"VG-1", []Camera{lobby}, []string{"VG-1"}},
		{"VG-1", []Camera{lobby, yard}, []string{"VG-1", "VG-1:yard"}},                    // a second camera: the first keeps its id
		{"VG-1", []Camera{yard}, []string{"VG-1:yard"}},                                   // the first removed: the other keeps its id
		{"VG-1", []Camera{gate}, []string{"VG-1:gate"}},                                   // a new one alone never takes a removed one's id
		{"VG-1", []Camera{gate, yard, lobby}, []string{"VG-1:gate", "VG-1:yard", "VG-1"}}, // and a removed one comes back with its own
		{"VG-2", []Camera{yard}, []string{"VG-2"}},                                        // another agent id starts afresh
	} {
		if got := run(c.agent, c.cams...); !slices.Equal(got, c.want) {
			t.Fatalf("agent %s with %v: ids %v, want %v", c.agent, c.cams, got, c.want)
		}
	}

	// An agent from before devices.json: its credential under the bare id
	// is the camera it served alone. Upgraded with several cameras, which
	// one that was cannot be told (the new one may be listed first): none
	// takes the bare id, so no camera is relayed as another's registration
	// (found in review), nor revives a "<id>:<name>" left by the old rule.
	gone := func() {
		if err := os.Remove(filepath.Join(dir, "devices.json")); err != nil {
			t.Fatal(err)
		}
	}
	gone()
	creds, _ := loadCredentials(dir)
	if err := creds.set("VG-3", "cred-a"); err != nil {
		t.Fatal(err)
	}
	if got := run("VG-3", yard, lobby); !slices.Equal(got, []string{"VG-3:yard", "VG-3:lobby"}) {
		t.Fatalf("upgraded agent with a camera added: %v", got)
	}
	// Started once with its camera alone, it keeps the bare id, and adding
	// the others after that renames nothing.
	gone()
	if got := run("VG-3", lobby); !slices.Equal(got, []string{"VG-3"}) {
		t.Fatalf("upgraded agent with its camera alone: %v", got)
	}
	if got := run("VG-3", yard, lobby); !slices.Equal(got, []string{"VG-3:yard", "VG-3"}) {
		t.Fatalf("then a camera added: %v", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "devices.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Server: "https://v.example", DeviceID: "VG-3", ClaimCode: "123456", StateDir: dir, Cameras: []Camera{lobby}}
	if _, err := cfg.DeviceIDs(); err == nil {
		t.Fatal("a damaged devices.json was taken")
	}
}
