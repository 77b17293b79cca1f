package agent

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// credentials are the device credentials the server issued at claim, one
// per device id, kept in <state dir>/credentials.json (mode 0600) so that a
// restart reconnects without the claim code, which works only once.
type credentials struct {
	mu   sync.Mutex
	path string // "" keeps them in memory
	m    map[string]string
}

func loadCredentials(dir string) (*credentials, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	return readCredentials(dir)
}

// readCredentials is loadCredentials without making the directory.
func readCredentials(dir string) (*credentials, error) {
	c := &credentials{m: map[string]string{}}
	if dir == "" {
		return c, nil
	}
	c.path = filepath.Join(dir, "credentials.json")
	b, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &c.m); err != nil {
		return nil, errors.New(c.path + " is damaged; remove it and claim the cameras again")
	}
	return c, nil
}

func (c *credentials) get(device string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[device]
}

// set stores (or with "" forgets) a device's credential.
func (c *credentials) set(device, cred string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cred == "" {
		delete(c.m, device)
	} else {
		c.m[device] = cred
	}
	if c.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(c.m, "", "  ")
	if err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}
