package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/media"
)

// TestBufferJournal: a restarted agent keeps the segments its journal
// vouches for (a whole file of a camera still configured, whatever its
// index now), drops the rest from disk (a segment cut short, a camera no
// longer served, a file of the wrong size), skips a line cut by a crash,
// and knows from when each camera owes the server a back-fill.
func TestBufferJournal(t *testing.T) {
	dir := t.TempDir()
	seg := filepath.Join(dir, "segments")
	t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	write := func(id int64, at time.Time, n int) string {
		p := media.SegmentPath(seg, id, at)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, n), 0o640); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keep1 := write(1, t0, 100)
	keep2 := write(1, t0.Add(time.Second), 100)
	gone := write(2, t0, 100)                    // camera "old" is no longer configured
	short := write(1, t0.Add(2*time.Second), 50) // journal says 100
	part := write(1, t0.Add(3*time.Second), 10) + ".part"
	_ = os.Rename(part[:len(part)-5], part)
	var j []byte
	for _, l := range []journalLine{
		{"yard", keep1, t0.UnixMilli(), t0.Add(time.Second).UnixMilli(), 100},
		{"yard", keep2, t0.Add(time.Second).UnixMilli(), t0.Add(2 * time.Second).UnixMilli(), 100},
		{"old", gone, t0.UnixMilli(), t0.Add(time.Second).UnixMilli(), 100},
		{"yard", short, t0.Add(2 * time.Second).UnixMilli(), t0.Add(3 * time.Second).UnixMilli(), 100},
		{"yard", "/etc/passwd", t0.UnixMilli(), t0.UnixMilli(), 1},
	} {
		b, _ := json.Marshal(l)
		j = append(append(j, b...), '\n')
	}
	j = append(j, `{"camera":"yard","pa`...)
	if err := os.WriteFile(filepath.Join(dir, "journal.jsonl"), j, 0o600); err != nil {
		t.Fatal(err)
	}
	delivered, _ := json.Marshal(map[string]int64{"yard": t0.Add(500 * time.Millisecond).UnixMilli()})
	if err := os.WriteFile(filepath.Join(dir, "delivered.json"), delivered, 0o600); err != nil {
		t.Fatal(err)
	}

	// "yard" is now the second camera (id 2).
	b := &localBuffer{max: 1 << 20, log: func(string, ...any) {}, dir: dir, names: []string{"lobby", "yard"},
		delivered: map[string]time.Time{}}
	if err := b.load(map[string]int64{"lobby": 1, "yard": 2}, seg); err != nil {
		t.Fatal(err)
	}
	got := b.since(2, time.Time{})
	if len(got) != 2 || got[0].Path != keep1 || got[1].Path != keep2 || !got[0].Start.Equal(t0) || b.Bytes() != 200 {
		t.Fatalf("kept %+v (%d bytes)", got, b.Bytes())
	}
	for _, p := range []string{gone, short, part} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left on disk", p)
		}
	}
	if from, ok := b.restored(2, "yard"); !ok || !from.Equal(t0.Add(500*time.Millisecond)) {
		t.Errorf("owed from %v %v", from, ok)
	}
	if _, ok := b.restored(1, "lobby"); ok {
		t.Error("a camera with nothing buffered owes a back-fill")
	}
	// The journal was rewritten with what is kept, and appends go on.
	b.add(t.Context(), media.Segment{CameraID: 1, Path: write(1, t0.Add(5*time.Second), 30), Start: t0.Add(5 * time.Second),
		End: t0.Add(6 * time.Second), Bytes: 30})
	b.closeJournal()
	raw, _ := os.ReadFile(filepath.Join(dir, "journal.jsonl"))
	var lines []journalLine
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var jl journalLine
		if err := json.Unmarshal([]byte(l), &jl); err != nil {
			t.Fatalf("journal line %q: %v", l, err)
		}
		lines = append(lines, jl)
	}
	if len(lines) != 3 || lines[0].Camera != "yard" || lines[2].Camera != "lobby" || lines[2].Bytes != 30 {
		t.Fatalf("journal now %+v", lines)
	}
}
