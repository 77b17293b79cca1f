package onvif

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Profile is a media profile with its video encoding.
type Profile struct {
	Token    string `json:"token"`
	Name     string `json:"name"`
	Encoding string `json:"encoding"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	PTZ      bool   `json:"ptz,omitempty"`
	Media2   bool   `json:"media2,omitempty"`
}

// H264 reports whether the profile's video is H.264.
func (p Profile) H264() bool { return strings.EqualFold(p.Encoding, "H264") }

// videoEncoder is a profile's video encoding (the same shape in Media1's
// VideoEncoderConfiguration and Media2's VideoEncoder).
type videoEncoder struct {
	Encoding   string `xml:"Encoding"`
	Resolution struct {
		Width  int `xml:"Width"`
		Height int `xml:"Height"`
	} `xml:"Resolution"`
}

type media1Profiles struct {
	Profiles []struct {
		Token string        `xml:"token,attr"`
		Name  string        `xml:"Name"`
		Video *videoEncoder `xml:"VideoEncoderConfiguration"`
		PTZ   *struct{}     `xml:"PTZConfiguration"`
	} `xml:"Profiles"`
}

type media2Profiles struct {
	Profiles []struct {
		Token          string `xml:"token,attr"`
		Name           string `xml:"Name"`
		Configurations struct {
			Video *videoEncoder `xml:"VideoEncoder"`
			PTZ   *struct{}     `xml:"PTZ"`
		} `xml:"Configurations"`
	} `xml:"Profiles"`
}

// MaxProfiles bounds how many profiles are kept from one device.
const MaxProfiles = 32

// GetProfiles lists the media profiles: Media2 where the device offers it
// (it names H.265 and more precisely), Media1 otherwise or when Media2
// fails.
func (c *Client) GetProfiles(ctx context.Context, s Services) ([]Profile, error) {
	var out []Profile
	var err2 error
	if s.Media2 != "" {
		var r media2Profiles
		err2 = c.call(ctx, s.Media2, `<GetProfiles xmlns="`+nsMedia2+`"><Type>All</Type></GetProfiles>`, "GetProfilesResponse", &r, "")
		if err2 == nil {
			for _, p := range r.Profiles {
				pr := Profile{Token: p.Token, Name: p.Name, PTZ: p.Configurations.PTZ != nil, Media2: true}
				if v := p.Configurations.Video; v != nil {
					pr.Encoding, pr.Width, pr.Height = v.Encoding, v.Resolution.Width, v.Resolution.Height
				}
				out = append(out, pr)
			}
		}
	}
	if len(out) == 0 && s.Media != "" {
		var r media1Profiles
		if err := c.call(ctx, s.Media, `<GetProfiles xmlns="`+nsMedia+`"/>`, "GetProfilesResponse", &r, ""); err != nil {
			return nil, err
		}
		for _, p := range r.Profiles {
			pr := Profile{Token: p.Token, Name: p.Name, PTZ: p.PTZ != nil}
			if p.Video != nil {
				pr.Encoding, pr.Width, pr.Height = p.Video.Encoding, p.Video.Resolution.Width, p.Video.Resolution.Height
			}
			out = append(out, pr)
		}
	}
	if len(out) == 0 && err2 != nil {
		return nil, err2
	}
	if len(out) > MaxProfiles {
		out = out[:MaxProfiles]
	}
	for i := range out {
		out[i].Token, out[i].Name = limit(out[i].Token, 64), limit(out[i].Name, 64)
	}
	return out, nil
}

// PickProfiles chooses the main profile (the largest H.264 one, for
// recording) and a sub profile (the smallest other H.264 one, for grid
// tiles; nil when there is none).
func PickProfiles(ps []Profile) (main, sub *Profile, err error) {
	var h []Profile
	for _, p := range ps {
		if p.H264() && p.Token != "" {
			h = append(h, p)
		}
	}
	if len(h) == 0 {
		return nil, nil, &Error{Reason: ReasonNoH264, Err: fmt.Errorf("%d profiles, none H.264", len(ps))}
	}
	sort.SliceStable(h, func(i, j int) bool { return h[i].Width*h[i].Height > h[j].Width*h[j].Height })
	m := h[0]
	if len(h) > 1 && h[len(h)-1].Width*h[len(h)-1].Height < m.Width*m.Height {
		s := h[len(h)-1]
		return &m, &s, nil
	}
	return &m, nil, nil
}

// GetStreamUri asks the RTSP address of a profile (over the service that
// listed it). The answer must be an rtsp:// URL; its host is judged by the
// caller's dialer like every other address.
func (c *Client) GetStreamUri(ctx context.Context, s Services, p Profile) (string, error) {
	var r struct {
		MediaURI struct {
			URI string `xml:"Uri"`
		} `xml:"MediaUri"`
		URI string `xml:"Uri"`
	}
	var err error
	if p.Media2 && s.Media2 != "" {
		err = c.call(ctx, s.Media2, `<GetStreamUri xmlns="`+nsMedia2+`"><Protocol>RTSP</Protocol><ProfileToken>`+esc(p.Token)+`</ProfileToken></GetStreamUri>`,
			"GetStreamUriResponse", &r, "")
	} else {
		err = c.call(ctx, s.Media, `<GetStreamUri xmlns="`+nsMedia+`"><StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>`+
			`<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></StreamSetup><ProfileToken>`+esc(p.Token)+`</ProfileToken></GetStreamUri>`,
			"GetStreamUriResponse", &r, "")
	}
	if err != nil {
		return "", err
	}
	raw := strings.TrimSpace(firstNonEmpty(r.MediaURI.URI, r.URI))
	u, perr := url.Parse(raw)
	if raw == "" || perr != nil || (u.Scheme != "rtsp" && u.Scheme != "rtsps") || u.Hostname() == "" || len(raw) > 2048 {
		return "", &Error{Reason: ReasonNoStream, Op: "GetStreamUri", Err: fmt.Errorf("stream address %q", limit(raw, 200))}
	}
	return raw, nil
}
