package camera

import (
	"math"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
)

// PTZ actions (DESIGN §3b).
const (
	PTZMove       = "move"
	PTZStop       = "stop"
	PTZGotoPreset = "goto_preset"
)

// PTZCommand is a pan/tilt/zoom request: a continuous move at speeds in
// [-1, 1], a stop, or going to a named preset.
type PTZCommand struct {
	Action          string
	Pan, Tilt, Zoom float64
	Preset          string
}

// Validate checks a command without the camera.
func (p *PTZCommand) Validate() error {
	f := errs.Fields{}
	p.Preset = strings.TrimSpace(p.Preset)
	switch p.Action {
	case PTZMove:
		for name, v := range map[string]float64{"pan": p.Pan, "tilt": p.Tilt, "zoom": p.Zoom} {
			if math.IsNaN(v) || v < -1 || v > 1 {
				f.Add(name, "must be between -1 and 1")
			}
		}
	case PTZStop:
	case PTZGotoPreset:
		if p.Preset == "" {
			f.Add("preset", "is required for goto_preset")
		} else if len(p.Preset) > 64 {
			f.Add("preset", "must be at most 64 characters")
		}
	case "":
		f.Add("action", `is required: "move", "stop" or "goto_preset"`)
	default:
		f.Add("action", `must be "move", "stop" or "goto_preset"`)
	}
	return f.Err()
}
