package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/media"
)

// bufferSegment is the length of a locally buffered segment: the recorder
// cuts at the first keyframe after it, so a back-fill fills an outage to
// within about a GOP at each end.
const bufferSegment = time.Second

// localBuffer records the agent's cameras on its own disk all the time
// (a second pull of each camera, on the LAN; of an ONVIF device's main
// stream), keeping the newest
// Config.BufferMax bytes, so that what the server missed while the uplink
// was down can be sent afterwards (back-fill). Finished segments are noted
// in a journal (journal.jsonl) and when the server last got each camera's
// bytes in delivered.json, so a restarted agent still back-fills what it
// buffered before the restart.
type localBuffer struct {
	rec *media.Recorder
	max int64
	// targets is what rec records, by camera id: RTSP cameras from the
	// start, an ONVIF device once its stream address is learnt from it.
	tmu     sync.Mutex
	targets map[int64]string
	log     func(msg string, args ...any)
	dir     string // the buffer directory (journal, delivered.json, segments/)
	names   []string

	mu      sync.Mutex
	segs    []media.Segment // every camera's, in the order they finished
	total   int64
	journal *os.File
	lines   int // in the journal: compacted when it has grown well past segs
	// delivered is, per camera name, when the server last got its bytes as
	// saved by the previous run (read at start).
	delivered map[string]time.Time
}

// journalLine is one finished segment in the journal.
type journalLine struct {
	Camera  string `json:"camera"`
	Path    string `json:"path"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Bytes   int64  `json:"bytes"`
}

// newLocalBuffer reads what an earlier run left (segments in the journal
// whose files are whole, of cameras still configured; anything else in
// segments/ goes) and starts recording cameras (index i is camera id i+1).
func newLocalBuffer(cfg *Config) (*localBuffer, error) {
	b := &localBuffer{max: cfg.BufferMax, log: cfg.Logger.Warn, dir: cfg.BufferDir, delivered: map[string]time.Time{}}
	seg := filepath.Join(cfg.BufferDir, "segments")
	if err := os.MkdirAll(seg, 0o750); err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	for i, cam := range cfg.Cameras {
		b.names = append(b.names, cam.Name)
		ids[cam.Name] = int64(i + 1)
	}
	if err := b.load(ids, seg); err != nil {
		return nil, err
	}
	b.rec = media.New(media.Config{RecordingsDir: seg, Sink: media.SinkFunc(b.add), DefaultSegmentLength: bufferSegment,
		Dial: media.DialFunc(cfg.Dial), Logger: cfg.Logger.With("part", "buffer")})
	b.targets = map[int64]string{}
	for i, cam := range cfg.Cameras {
		if !cam.ONVIF { // an ONVIF device's stream is set once it named it (onvifstream.go)
			b.targets[int64(i+1)] = cam.URL
		}
	}
	b.reconcile()
	return b, nil
}

// setStream records camera id from url (a new one reconnects).
func (b *localBuffer) setStream(id int64, url string) {
	b.tmu.Lock()
	defer b.tmu.Unlock()
	if b.targets[id] == url {
		return
	}
	b.targets[id] = url
	b.reconcileLocked()
}

func (b *localBuffer) reconcile() {
	b.tmu.Lock()
	defer b.tmu.Unlock()
	b.reconcileLocked()
}

// reconcileLocked hands the targets to the recorder. b.tmu is held.
func (b *localBuffer) reconcileLocked() {
	targets := make([]media.Target, 0, len(b.targets))
	for id, url := range b.targets {
		targets = append(targets, media.Target{CameraID: id, URL: url})
	}
	b.rec.Reconcile(targets)
}

// load reads the journal and delivered.json of an earlier run, removes
// every file in seg the journal does not vouch for (a segment cut short by
// the stop, a camera no longer configured), and rewrites the journal.
func (b *localBuffer) load(ids map[string]int64, seg string) error {
	keep := map[string]bool{}
	if f, err := os.Open(filepath.Join(b.dir, "journal.jsonl")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var j journalLine
			if json.Unmarshal(sc.Bytes(), &j) != nil { // a line cut by a crash
				continue
			}
			id, ok := ids[j.Camera]
			fi, err := os.Stat(j.Path)
			if !ok || err != nil || fi.Size() != j.Bytes || !inside(seg, j.Path) {
				continue
			}
			keep[j.Path] = true
			b.segs = append(b.segs, media.Segment{CameraID: id, Path: j.Path, Start: time.UnixMilli(j.StartMS),
				End: time.UnixMilli(j.EndMS), Bytes: j.Bytes})
			b.total += j.Bytes
		}
		_ = f.Close()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	_ = filepath.WalkDir(seg, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !keep[p] {
			_ = os.Remove(p)
		}
		return nil
	})
	if raw, err := os.ReadFile(filepath.Join(b.dir, "delivered.json")); err == nil {
		var m map[string]int64
		if json.Unmarshal(raw, &m) == nil {
			for name, ms := range m {
				b.delivered[name] = time.UnixMilli(ms)
			}
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trim()
	return b.rewrite()
}

func inside(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && filepath.IsLocal(rel)
}

// rewrite replaces the journal by the segments held now and opens it for
// appending. b.mu is held.
func (b *localBuffer) rewrite() error {
	path := filepath.Join(b.dir, "journal.jsonl")
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, s := range b.segs {
		_ = json.NewEncoder(w).Encode(b.line(s))
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if b.journal != nil {
		_ = b.journal.Close()
	}
	b.journal, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	b.lines = len(b.segs)
	return err
}

func (b *localBuffer) line(s media.Segment) journalLine {
	name := ""
	if i := int(s.CameraID) - 1; i >= 0 && i < len(b.names) {
		name = b.names[i]
	}
	return journalLine{Camera: name, Path: s.Path, StartMS: s.Start.UnixMilli(), EndMS: s.End.UnixMilli(), Bytes: s.Bytes}
}

// add keeps a finished segment, notes it in the journal, and drops the
// oldest ones over the bound.
func (b *localBuffer) add(_ context.Context, s media.Segment) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.segs = append(b.segs, s)
	b.total += s.Bytes
	b.trim()
	if b.journal == nil {
		return nil
	}
	if b.lines > 2*len(b.segs)+1000 {
		if err := b.rewrite(); err != nil {
			b.log("buffer: rewriting the journal", "err", err)
		}
		return nil
	}
	raw, _ := json.Marshal(b.line(s))
	if _, err := b.journal.Write(append(raw, '\n')); err != nil {
		b.log("buffer: journal", "err", err)
	}
	b.lines++
	return nil
}

// trim drops the oldest segments over the bound. b.mu is held.
func (b *localBuffer) trim() {
	for b.total > b.max && len(b.segs) > 1 {
		old := b.segs[0]
		b.segs = b.segs[1:]
		b.total -= old.Bytes
		if err := os.Remove(old.Path); err != nil && !os.IsNotExist(err) {
			b.log("buffer: removing a segment", "path", old.Path, "err", err)
		}
	}
}

// since lists camera id's finished segments that start at or after from,
// oldest first.
func (b *localBuffer) since(id int64, from time.Time) []media.Segment {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []media.Segment
	for _, s := range b.segs {
		if s.CameraID == id && !s.Start.Before(from) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y media.Segment) int { return x.Start.Compare(y.Start) })
	return out
}

// restored is when the previous run last delivered camera name's bytes to
// the server, if it buffered any of that camera's video after then: the
// back-fill owed from before the restart.
func (b *localBuffer) restored(id int64, name string) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	last, ok := b.delivered[name]
	if !ok {
		return time.Time{}, false
	}
	for _, s := range b.segs {
		if s.CameraID == id && s.End.After(last) {
			return last, true
		}
	}
	return time.Time{}, false
}

// saveDelivered notes when the server last got each camera's bytes (by
// name), for the next run.
func (b *localBuffer) saveDelivered(m map[string]time.Time) error {
	out := make(map[string]int64, len(m))
	for name, t := range m {
		out[name] = t.UnixMilli()
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return err
	}
	path := filepath.Join(b.dir, "delivered.json")
	if err := os.WriteFile(path+".tmp", raw, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// Bytes is what the buffer holds on disk now (finished segments).
func (b *localBuffer) Bytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

func (b *localBuffer) close() {
	b.rec.Stop()
	b.closeJournal()
}

// closeJournal closes the journal (the recorder has stopped).
func (b *localBuffer) closeJournal() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.journal != nil {
		_ = b.journal.Close()
		b.journal = nil
	}
}
