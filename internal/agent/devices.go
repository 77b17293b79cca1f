package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A camera's device id is what the integrator registered it under, and the
// key of its device credential: once the agent served a camera under an
// id, that camera keeps it. The rule alone (the agent's id for a single
// camera, "<id>:<name>" for several) would rename the first camera when a
// second is added, and a remaining one when the others are removed,
// orphaning a registration that works. So the agent remembers, in
// <state dir>/devices.json, the id it gave each camera name, and applies
// the rule only to names it has not served before. This is kept on the
// agent rather than as a server-side alias because the server cannot tell
// a renamed camera from a new one, while the agent knows its cameras by
// name.

// deviceState is devices.json: the agent's own id (an agent given another
// --device-id starts afresh) and, per camera name, its device id.
type deviceState struct {
	DeviceID string            `json:"device_id"`
	Cameras  map[string]string `json:"cameras"`
}

func devicesPath(dir string) string { return filepath.Join(dir, "devices.json") }

// knownDeviceIDs reads what earlier runs gave each camera name ({} when
// nothing was kept, or it was kept for another agent id). An agent from
// before devices.json holds a credential under its bare id: the camera it
// served alone. Which one that was is known only when one camera is
// configured: with several, a guess could relay one camera's video as
// another's registration (its customer would see the wrong place), so the
// bare id then goes to none — start the upgraded agent once with the
// installed camera alone, then add the others.
func (c *Config) knownDeviceIDs(creds *credentials) (map[string]string, error) {
	known := map[string]string{}
	if c.StateDir == "" {
		return known, nil
	}
	raw, err := os.ReadFile(devicesPath(c.StateDir))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if creds != nil && creds.get(c.DeviceID) != "" && len(c.Cameras) == 1 {
			known[c.Cameras[0].Name] = c.DeviceID
		}
		return known, nil
	case err != nil:
		return nil, err
	}
	var st deviceState
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, errors.New(devicesPath(c.StateDir) + " is damaged; remove it (cameras then get the device ids the agent prints)")
	}
	if st.DeviceID != c.DeviceID {
		return known, nil
	}
	for name, id := range st.Cameras {
		if id == c.DeviceID || id == c.DeviceID+":"+name {
			known[name] = id
		}
	}
	return known, nil
}

// assignDeviceIDs gives each configured camera its device id: the one it
// had before, else by the rule — the agent's own id when it serves one
// camera and no other camera ever had that id, "<id>:<name>" otherwise.
// known gains the new names.
func (c *Config) assignDeviceIDs(known map[string]string) ([]string, error) {
	bareTaken := false
	for _, id := range known {
		bareTaken = bareTaken || id == c.DeviceID
	}
	out := make([]string, len(c.Cameras))
	for i, cam := range c.Cameras {
		id, ok := known[cam.Name]
		if !ok {
			id = c.DeviceID + ":" + cam.Name
			if len(c.Cameras) == 1 && !bareTaken {
				id = c.DeviceID
			}
			known[cam.Name] = id
		}
		if !deviceIDOK(id) {
			return nil, fmt.Errorf("--camera %s: device id %s is too long", cam.Name, id)
		}
		out[i] = id
	}
	return out, nil
}

// saveDeviceIDs keeps known for the next run (removed cameras included, so
// that one added back has its id again and no other camera takes it).
func (c *Config) saveDeviceIDs(known map[string]string) error {
	if c.StateDir == "" {
		return nil
	}
	raw, err := json.MarshalIndent(deviceState{DeviceID: c.DeviceID, Cameras: known}, "", "  ")
	if err != nil {
		return err
	}
	path := devicesPath(c.StateDir)
	if err := os.WriteFile(path+".tmp", raw, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// DeviceIDs lists the device id under which each camera is (or is to be)
// registered: the id it was served under before; for a camera new to this
// agent, the agent's own id when it serves one camera (and no camera had
// that id before), "<id>:<name>" otherwise (each is one P&P registration
// with the same claim code). It reads the state directory, writes nothing.
func (c *Config) DeviceIDs() ([]string, error) {
	creds, err := readCredentials(c.StateDir)
	if err != nil {
		return nil, err
	}
	known, err := c.knownDeviceIDs(creds)
	if err != nil {
		return nil, err
	}
	return c.assignDeviceIDs(known)
}

// deviceIDs assigns and keeps the cameras' device ids for a run.
func (c *Config) deviceIDs(creds *credentials) ([]string, error) {
	known, err := c.knownDeviceIDs(creds)
	if err != nil {
		return nil, err
	}
	ids, err := c.assignDeviceIDs(known)
	if err != nil {
		return nil, err
	}
	if err := c.saveDeviceIDs(known); err != nil {
		return nil, fmt.Errorf("saving the device ids: %w", err)
	}
	return ids, nil
}
