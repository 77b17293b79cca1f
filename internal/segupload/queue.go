package segupload

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// entry is one segment waiting for upload. Each is a small JSON file in
// the queue directory, written before the segment counts as queued and
// removed once the index points at the object, so a restart (or a crash)
// resumes exactly the uploads that were not finished.
type entry struct {
	Path     string    `json:"path"`
	Key      string    `json:"key"`
	Bytes    int64     `json:"bytes"`
	QueuedAt time.Time `json:"queued_at"`
}

// journal is the queue directory.
type journal struct{ dir string }

// name maps a segment to its entry file: the key with "/" flattened, which
// is unique per segment and readable when an operator looks.
func (j journal) name(key string) string {
	return filepath.Join(j.dir, strings.ReplaceAll(key, "/", "_")+".json")
}

// add writes e durably: a temporary file synced, then renamed in place.
func (j journal) add(e entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	final := j.name(e.Key)
	tmp := final + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, final)
}

// done removes e's file.
func (j journal) done(key string) error {
	if err := os.Remove(j.name(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// load reads every entry; unreadable files (a torn write cannot happen
// with the rename, but a disk can fail) are reported and skipped.
func (j journal) load() ([]entry, []error) {
	files, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, []error{err}
	}
	var out []entry
	var bad []error
	for _, f := range files {
		if f.IsDir() || !strings.HasSuffix(f.Name(), ".json") {
			if strings.HasSuffix(f.Name(), ".tmp") {
				os.Remove(filepath.Join(j.dir, f.Name()))
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(j.dir, f.Name()))
		var e entry
		if err == nil {
			err = json.Unmarshal(b, &e)
		}
		if err != nil || e.Path == "" || e.Key == "" {
			bad = append(bad, errors.Join(errors.New(f.Name()), err))
			continue
		}
		out = append(out, e)
	}
	return out, bad
}
