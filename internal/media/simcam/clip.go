// Package simcam is a cheap simulated IP camera farm: one RTSP server on
// loopback that serves any number of paths (/cam/1, /cam/2, ...) from one real
// H.264 (or H.265) clip encoded by ffmpeg.
//
// The clip is packetized into RTP ONCE when loaded; streaming only copies a
// packet header, rewrites timestamp and sequence number and hands the shared
// payload to gortsplib. That is what lets one process feed hundreds of
// recorders in tests and benchmarks without measuring itself.
package simcam

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"
	tscodecs "github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts/codecs"
	"github.com/pion/rtp"
)

// ClipOptions describes the clip GenerateClip asks ffmpeg for.
type ClipOptions struct {
	Width, Height int
	FPS           int
	GOP           int // frames between keyframes
	BitrateKbps   int
	Seconds       int  // loop length
	Audio         bool // add a mono AAC tone
	H265          bool
	BFrames       int // H.264 only: B-frames between references (most cameras: 0)
}

// DefaultClip is a typical surveillance stream: 720p25, 2 Mbit/s, keyframe
// every 2 s.
var DefaultClip = ClipOptions{Width: 1280, Height: 720, FPS: 25, GOP: 50, BitrateKbps: 2000, Seconds: 10}

func (o ClipOptions) name() string {
	codec := "h264"
	if o.H265 {
		codec = "h265"
	}
	a := ""
	if o.Audio {
		a = "-aac"
	}
	if o.BFrames > 0 {
		a += fmt.Sprintf("-b%d", o.BFrames)
	}
	return fmt.Sprintf("clip-%s-%dx%d-%dfps-g%d-%dk-%ds%s.ts", codec, o.Width, o.Height, o.FPS, o.GOP, o.BitrateKbps, o.Seconds, a)
}

// GenerateClip encodes a test pattern with ffmpeg into dir (created if
// needed) and returns the file's path. An existing file with the same
// options is reused, so tests pay for the encode once per cache dir.
func GenerateClip(ctx context.Context, dir string, o ClipOptions) (string, error) {
	if o.FPS == 0 || o.Width == 0 || o.Height == 0 || o.Seconds == 0 {
		return "", errors.New("simcam: clip options need size, fps and length")
	}
	if o.GOP == 0 {
		o.GOP = 2 * o.FPS
	}
	if o.BitrateKbps == 0 {
		o.BitrateKbps = 2000
	}
	out := filepath.Join(dir, o.name())
	if st, err := os.Stat(out); err == nil && st.Size() > 0 {
		return out, nil
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return "", fmt.Errorf("simcam: ffmpeg not found: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", o.Width, o.Height, o.FPS)}
	if o.Audio {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000")
	}
	br := fmt.Sprintf("%dk", o.BitrateKbps)
	args = append(args, "-t", fmt.Sprint(o.Seconds), "-pix_fmt", "yuv420p",
		"-b:v", br, "-maxrate", br, "-bufsize", br)
	if o.H265 {
		args = append(args, "-c:v", "libx265", "-preset", "veryfast",
			"-x265-params", fmt.Sprintf("log-level=error:keyint=%d:min-keyint=%d:scenecut=0:bframes=0:repeat-headers=1", o.GOP, o.GOP))
	} else {
		// Fixed GOP and, by default, no B-frames: what IP cameras send.
		args = append(args, "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main",
			"-g", fmt.Sprint(o.GOP), "-keyint_min", fmt.Sprint(o.GOP), "-sc_threshold", "0", "-bf", fmt.Sprint(o.BFrames))
	}
	if o.Audio {
		args = append(args, "-c:a", "aac", "-b:a", "64k", "-ac", "1")
	}
	tmp := out + ".tmp"
	args = append(args, "-f", "mpegts", tmp)
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("simcam: ffmpeg: %v: %s", err, b)
	}
	return out, os.Rename(tmp, out)
}

// frame is one access unit, already packetized.
type frame struct {
	dts  int64 // clock units from the first video frame
	pts  int64
	pkts []*rtp.Packet
}

// Clip is a loaded, packetized clip. It is immutable and shared by every
// stream of a Server.
type Clip struct {
	Width, Height int
	Codec         string // "h264" or "h265"
	FPS           float64
	// LoopDuration in 90 kHz units.
	loopDur int64
	video   []frame
	vformat format.Format

	audio     []frame // dts/pts in audio clock units
	aformat   *format.MPEG4Audio
	aLoopDur  int64
	frameSize int // mean bytes per video frame, for stats
}

// Duration of one loop in seconds.
func (c *Clip) Seconds() float64 { return float64(c.loopDur) / 90000 }

// HasAudio reports whether the clip has an AAC track.
func (c *Clip) HasAudio() bool { return c.aformat != nil }

// LoadClip reads an MPEG-TS file with one H.264/H.265 track (and optionally
// AAC) and packetizes it.
func LoadClip(path string) (*Clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := &mpegts.Reader{R: bufio.NewReader(f)}
	if err := r.Initialize(); err != nil {
		return nil, fmt.Errorf("simcam: %w", err)
	}
	c := &Clip{}
	var vtrack, atrack *mpegts.Track
	for _, t := range r.Tracks() {
		switch codec := t.Codec.(type) {
		case *tscodecs.H264:
			if vtrack == nil {
				vtrack, c.Codec = t, "h264"
			}
		case *tscodecs.H265:
			if vtrack == nil {
				vtrack, c.Codec = t, "h265"
			}
		case *tscodecs.MPEG4Audio:
			if atrack == nil {
				atrack = t
				cfg := codec.Config
				c.aformat = &format.MPEG4Audio{PayloadTyp: 97, Config: &cfg, SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3}
			}
		}
	}
	if vtrack == nil {
		return nil, errors.New("simcam: clip has no H.264/H.265 track")
	}

	type rawAU struct {
		pts, dts int64
		au       [][]byte
	}
	var vaus []rawAU
	var aaus []rawAU
	var params [3][]byte // h264: sps,pps ; h265: vps,sps,pps
	td := mpegts.TimeDecoder{}
	td.Initialize()
	onVideo := func(pts, dts int64, au [][]byte) error {
		keep := au[:0:0]
		for _, n := range au {
			if len(n) == 0 {
				continue
			}
			if c.Codec == "h264" {
				switch h264.NALUType(n[0] & 0x1f) {
				case h264.NALUTypeAccessUnitDelimiter:
					continue // useless over RTP
				case h264.NALUTypeSPS:
					params[0] = n
				case h264.NALUTypePPS:
					params[1] = n
				}
			} else {
				switch h265.NALUType((n[0] >> 1) & 0x3f) {
				case h265.NALUType_AUD_NUT:
					continue
				case h265.NALUType_VPS_NUT:
					params[0] = n
				case h265.NALUType_SPS_NUT:
					params[1] = n
				case h265.NALUType_PPS_NUT:
					params[2] = n
				}
			}
			keep = append(keep, append([]byte(nil), n...))
		}
		vaus = append(vaus, rawAU{pts: td.Decode(pts), dts: td.Decode(dts), au: keep})
		return nil
	}
	if c.Codec == "h264" {
		r.OnDataH264(vtrack, onVideo)
	} else {
		r.OnDataH265(vtrack, onVideo)
	}
	atd := mpegts.TimeDecoder{}
	atd.Initialize()
	if atrack != nil {
		r.OnDataMPEG4Audio(atrack, func(pts int64, aus [][]byte) error {
			cp := make([][]byte, len(aus))
			for i := range aus {
				cp[i] = append([]byte(nil), aus[i]...)
			}
			aaus = append(aaus, rawAU{pts: atd.Decode(pts), au: cp})
			return nil
		})
	}
	for {
		if err := r.Read(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("simcam: reading clip: %w", err)
		}
	}
	if len(vaus) < 2 {
		return nil, errors.New("simcam: clip too short")
	}

	// Video format and encoder.
	var enc interface {
		Encode([][]byte) ([]*rtp.Packet, error)
	}
	if c.Codec == "h264" {
		if params[0] == nil || params[1] == nil {
			return nil, errors.New("simcam: clip has no SPS/PPS")
		}
		var sps h264.SPS
		if err := sps.Unmarshal(params[0]); err != nil {
			return nil, err
		}
		c.Width, c.Height, c.FPS = sps.Width(), sps.Height(), sps.FPS()
		fm := &format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: params[0], PPS: params[1]}
		e, err := fm.CreateEncoder()
		if err != nil {
			return nil, err
		}
		c.vformat, enc = fm, e
	} else {
		if params[0] == nil || params[1] == nil || params[2] == nil {
			return nil, errors.New("simcam: clip has no VPS/SPS/PPS")
		}
		var sps h265.SPS
		if err := sps.Unmarshal(params[1]); err != nil {
			return nil, err
		}
		c.Width, c.Height, c.FPS = sps.Width(), sps.Height(), sps.FPS()
		fm := &format.H265{PayloadTyp: 96, VPS: params[0], SPS: params[1], PPS: params[2]}
		e, err := fm.CreateEncoder()
		if err != nil {
			return nil, err
		}
		c.vformat, enc = fm, e
	}

	// Start the loop at the first keyframe so every loop begins decodable.
	first := -1
	for i, a := range vaus {
		if (c.Codec == "h264" && h264.IsRandomAccess(a.au)) || (c.Codec == "h265" && h265.IsRandomAccess(a.au)) {
			first = i
			break
		}
	}
	if first < 0 {
		return nil, errors.New("simcam: clip has no keyframe")
	}
	vaus = vaus[first:]
	d0 := vaus[0].dts
	step := vaus[len(vaus)-1].dts - vaus[len(vaus)-2].dts
	c.loopDur = vaus[len(vaus)-1].dts - d0 + step
	total := 0
	for _, a := range vaus {
		pkts, err := enc.Encode(a.au)
		if err != nil {
			return nil, err
		}
		for _, p := range pkts {
			total += len(p.Payload)
		}
		c.video = append(c.video, frame{dts: a.dts - d0, pts: a.pts - d0, pkts: pkts})
	}
	c.frameSize = total / len(c.video)

	if c.aformat != nil && len(aaus) > 0 {
		ae, err := c.aformat.CreateEncoder()
		if err != nil {
			return nil, err
		}
		sr := int64(c.aformat.ClockRate())
		c.aLoopDur = c.loopDur * sr / 90000
		for _, a := range aaus {
			// Audio and video share the TS clock; place audio relative
			// to the first video frame and keep what fits in the loop.
			rel := (a.pts - d0) * sr / 90000
			if rel < 0 {
				continue
			}
			if rel+int64(len(a.au))*mpeg4audio.SamplesPerAccessUnit > c.aLoopDur {
				break
			}
			pkts, err := ae.Encode(a.au)
			if err != nil {
				return nil, err
			}
			c.audio = append(c.audio, frame{dts: rel, pts: rel, pkts: pkts})
		}
		if len(c.audio) == 0 {
			c.aformat = nil
		}
	} else {
		c.aformat = nil
	}
	return c, nil
}
