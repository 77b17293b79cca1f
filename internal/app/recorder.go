package app

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"github.com/vigilo/vigilo/internal/media"
)

// Recorder is what the use cases need from the recording service running
// in this process (internal/recording): a camera's live state, and the
// removal of a deleted camera's files once the recorder let go of it.
type Recorder interface {
	// Status reports a camera's recorder state and whether it should
	// record now.
	Status(cameraID int64) (media.CameraStatus, bool)
	// RemoveCameraFiles deletes, in the background, the files of camera id
	// that started before at.
	RemoveCameraFiles(id int64, at time.Time)
}

// OpenCameraSecret unseals a camera's stored password ("" when none).
func (a *App) OpenCameraSecret(enc string) (string, error) {
	if enc == "" {
		return "", nil
	}
	if a.Cameras.Secrets == nil {
		return "", errors.New("no credentials key")
	}
	return a.Cameras.Secrets.Open(enc)
}

// removeCameraFiles deletes a deleted camera's indexed files now and asks
// the recorder, when one runs here, for whatever it was still writing.
func (a *App) removeCameraFiles(id int64, paths []string, at time.Time) {
	for _, p := range paths {
		if err := removeFile(p); err != nil {
			a.Log.Warn("remove segment file", "path", p, "err", err)
		}
	}
	if rec := a.Cameras.Recording; rec != nil {
		rec.RemoveCameraFiles(id, at)
	}
}

// removeFile removes p; a file already gone is not an error.
func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
