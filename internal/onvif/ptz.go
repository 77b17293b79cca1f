package onvif

import (
	"context"
	"strconv"
	"strings"
)

func f(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// ContinuousMove starts moving at the given speeds in [-1, 1].
func (c *Client) ContinuousMove(ctx context.Context, ptzURL, profile string, pan, tilt, zoom float64) error {
	return c.call(ctx, ptzURL, `<ContinuousMove xmlns="`+nsPTZ+`"><ProfileToken>`+esc(profile)+`</ProfileToken><Velocity>`+
		`<tt:PanTilt x="`+f(pan)+`" y="`+f(tilt)+`"/><tt:Zoom x="`+f(zoom)+`"/></Velocity></ContinuousMove>`,
		"ContinuousMoveResponse", nil, "")
}

// Stop stops pan, tilt and zoom.
func (c *Client) Stop(ctx context.Context, ptzURL, profile string) error {
	return c.call(ctx, ptzURL, `<Stop xmlns="`+nsPTZ+`"><ProfileToken>`+esc(profile)+`</ProfileToken>`+
		`<PanTilt>true</PanTilt><Zoom>true</Zoom></Stop>`, "StopResponse", nil, "")
}

// Preset is a stored position.
type Preset struct {
	Token string `xml:"token,attr" json:"token"`
	Name  string `xml:"Name" json:"name"`
}

// GetPresets lists the stored positions.
func (c *Client) GetPresets(ctx context.Context, ptzURL, profile string) ([]Preset, error) {
	var r struct {
		Preset []Preset `xml:"Preset"`
	}
	if err := c.call(ctx, ptzURL, `<GetPresets xmlns="`+nsPTZ+`"><ProfileToken>`+esc(profile)+`</ProfileToken></GetPresets>`,
		"GetPresetsResponse", &r, ""); err != nil {
		return nil, err
	}
	if len(r.Preset) > 256 {
		r.Preset = r.Preset[:256]
	}
	return r.Preset, nil
}

// GotoPreset moves to a stored position named by its token or its name.
func (c *Client) GotoPreset(ctx context.Context, ptzURL, profile, preset string) error {
	list, err := c.GetPresets(ctx, ptzURL, profile)
	if err != nil {
		return err
	}
	token := ""
	for _, p := range list {
		if p.Token == preset || strings.EqualFold(strings.TrimSpace(p.Name), preset) {
			token = p.Token
			break
		}
	}
	if token == "" {
		return &Error{Reason: ReasonNoPreset, Op: "GotoPreset"}
	}
	return c.call(ctx, ptzURL, `<GotoPreset xmlns="`+nsPTZ+`"><ProfileToken>`+esc(profile)+`</ProfileToken><PresetToken>`+
		esc(token)+`</PresetToken></GotoPreset>`, "GotoPresetResponse", nil, "")
}
