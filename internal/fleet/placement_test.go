package fleet

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func nodes(caps ...int) []Node {
	var out []Node
	for i, c := range caps {
		out = append(out, Node{ID: fmt.Sprintf("rec-%d", i+1), Roles: []string{RoleRecorder}, Capacity: c})
	}
	return out
}

func TestPlacementSpreadsByCapacity(t *testing.T) {
	ns := nodes(100, 100, 200)
	count := map[string]int{}
	const cams = 20000
	for id := int64(1); id <= cams; id++ {
		count[Place(id, ns)]++
	}
	for i, want := range []float64{0.25, 0.25, 0.5} {
		got := float64(count[ns[i].ID]) / cams
		if math.Abs(got-want) > 0.02 {
			t.Errorf("%s: %.3f of the cameras, want %.2f (%v)", ns[i].ID, got, want, count)
		}
	}
	if Place(1, nil) != "" {
		t.Error("a camera placed on no recorder")
	}
}

func TestPlacementMovesOnlyWhatItMust(t *testing.T) {
	three := nodes(100, 100, 100)
	four := append(nodes(100, 100, 100), Node{ID: "rec-4", Roles: []string{RoleRecorder}, Capacity: 100})
	moved, toNew := 0, 0
	for id := int64(1); id <= 3000; id++ {
		a, b := Place(id, three), Place(id, four)
		if a != b {
			moved++
			if b == "rec-4" {
				toNew++
			}
		}
		// A recorder leaving moves only its own cameras.
		if c := Place(id, three[1:]); a != "rec-1" && c != a {
			t.Fatalf("camera %d moved from %s to %s although rec-1 left", id, a, c)
		}
	}
	if moved != toNew || moved < 600 || moved > 900 {
		t.Fatalf("a joining recorder moved %d cameras, %d of them to itself (want about a quarter, all to it)", moved, toNew)
	}
}

func TestFencedDropsOnlyWritesAfterTheHandover(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := Lease{CameraID: 1, NodeID: "rec-2", Revision: 5, Acquired: t0}
	cases := []struct {
		rev   int64
		start time.Time
		found bool
		want  bool
	}{
		{4, t0.Add(-time.Second), true, false}, // the old writer's last segment, begun before: kept
		{4, t0, true, true},                    // begun at the handover by the old writer: dropped
		{4, t0.Add(time.Second), true, true},
		{5, t0.Add(time.Second), true, false}, // the holder's own
		{6, t0.Add(time.Second), true, false}, // newer than the lease read: not ours to judge
		{0, t0.Add(time.Second), true, false}, // single node: no leases
		{4, t0.Add(time.Second), false, false},
	}
	for _, c := range cases {
		if got := Fenced(l, c.found, c.rev, c.start); got != c.want {
			t.Errorf("rev %d start %v found %v: fenced %v, want %v", c.rev, c.start.Sub(t0), c.found, got, c.want)
		}
	}
}
