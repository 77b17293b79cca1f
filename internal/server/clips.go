package server

import (
	"fmt"
	"path/filepath"

	"github.com/vigilo/vigilo/internal/clipjob"
)

// startClips starts the clip job (internal/clipjob): clips live in the data
// directory beside the recordings, apart from retention.
func (m *Main) startClips() error {
	var objs clipjob.Objects
	if m.objects != nil { // with S3, clips go to the bucket too: any node serves them
		objs = m.objects
	}
	w, err := clipjob.New(m.Store, filepath.Join(m.Config.DataDir, "clips"), m.Log, m.App.Remote, objs)
	if err != nil {
		return fmt.Errorf("start clip job: %w", err)
	}
	m.App.ClipKick = w.Kick
	m.OnClose(func() { _ = w.Close() })
	return nil
}
