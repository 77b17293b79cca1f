package media

import (
	"errors"
	"fmt"

	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"
	"github.com/pion/rtp"
)

// videoTrack abstracts the H.264 / H.265 differences the ingest cares about.
type videoTrack struct {
	name   string
	decode func(*rtp.Packet) ([][]byte, error)
	// params extracts parameter sets from an access unit into cur and
	// reports whether they changed.
	params func(au [][]byte, cur [][]byte) ([][]byte, bool)
	// key reports whether au is a random access point.
	key func(au [][]byte) bool
	// dts computes the decode timestamp.
	dts func(au [][]byte, pts int64) (int64, error)
	// info builds the fMP4 description from parameter sets.
	info func(ps [][]byte) (*segmentInfo, error)
	// withParams prepends parameter sets to a keyframe lacking them, so
	// each segment (and each live reader) is decodable from its first
	// sample on.
	withParams func(au [][]byte, ps [][]byte) [][]byte
}

// trackChoice is what the ingest takes from a DESCRIBE: one video track
// (H.264 preferred over H.265) and, when usable, AAC audio for the recording.
type trackChoice struct {
	video   *videoTrack
	params  [][]byte // initial parameter sets from the SDP (may be nil)
	vmedia  *description.Media
	vformat format.Format
	amedia  *description.Media // nil: no audio recorded
	aac     *format.MPEG4Audio
}

// chooseTracks picks the tracks to set up.
func chooseTracks(desc *description.Session) (*trackChoice, error) {
	tc := &trackChoice{}
	var err error
	var f264 *format.H264
	var f265 *format.H265
	if m := desc.FindFormat(&f264); m != nil {
		tc.video, tc.params, err = h264Track(f264)
		tc.vmedia, tc.vformat = m, f264
	} else if m := desc.FindFormat(&f265); m != nil {
		tc.video, tc.params, err = h265Track(f265)
		tc.vmedia, tc.vformat = m, f265
	} else {
		return nil, errNoVideo
	}
	if err != nil {
		return nil, err
	}
	if m := desc.FindFormat(&tc.aac); m != nil && tc.aac.Config != nil && tc.aac.Config.SampleRate != 0 {
		tc.amedia = m
	}
	return tc, nil
}

// audioInfo appends the AAC track to a segment description.
func (tc *trackChoice) audioInfo(si *segmentInfo) {
	if tc.amedia == nil {
		return
	}
	si.codecs = append(si.codecs, &codecs.MPEG4Audio{Config: *tc.aac.Config})
	si.timescales = append(si.timescales, uint32(tc.aac.ClockRate()))
}

// setParam stores n as parameter set i when it differs from the stored one.
func setParam(cur [][]byte, i int, n []byte) bool {
	if bytesEq(cur[i], n) {
		return false
	}
	cur[i] = append([]byte(nil), n...)
	return true
}

func h264Track(f *format.H264) (*videoTrack, [][]byte, error) {
	dec, err := f.CreateDecoder()
	if err != nil {
		return nil, nil, err
	}
	var ext h264.DTSExtractor
	ext.Initialize()
	sps, pps := f.SPS, f.PPS
	vt := &videoTrack{
		name:   "h264",
		decode: dec.Decode,
		params: func(au [][]byte, cur [][]byte) ([][]byte, bool) {
			changed := false
			for _, n := range au {
				if len(n) == 0 {
					continue
				}
				switch h264.NALUType(n[0] & 0x1f) {
				case h264.NALUTypeSPS:
					changed = setParam(cur, 0, n) || changed
				case h264.NALUTypePPS:
					changed = setParam(cur, 1, n) || changed
				}
			}
			return cur, changed
		},
		key: h264.IsRandomAccess,
		dts: ext.Extract,
		info: func(ps [][]byte) (*segmentInfo, error) {
			if ps[0] == nil || ps[1] == nil {
				return nil, errors.New("no SPS/PPS yet")
			}
			var s h264.SPS
			if err := s.Unmarshal(ps[0]); err != nil {
				return nil, fmt.Errorf("bad SPS: %w", err)
			}
			return &segmentInfo{
				codecs:     []codecs.Codec{&codecs.H264{SPS: ps[0], PPS: ps[1]}},
				timescales: []uint32{videoClock},
				codecName:  "h264", width: s.Width(), height: s.Height(),
			}, nil
		},
		withParams: func(au [][]byte, ps [][]byte) [][]byte {
			for _, n := range au {
				if len(n) > 0 && h264.NALUType(n[0]&0x1f) == h264.NALUTypeSPS {
					return au
				}
			}
			return append([][]byte{ps[0], ps[1]}, au...)
		},
	}
	return vt, [][]byte{sps, pps}, nil
}

func h265Track(f *format.H265) (*videoTrack, [][]byte, error) {
	dec, err := f.CreateDecoder()
	if err != nil {
		return nil, nil, err
	}
	var ext h265.DTSExtractor
	ext.Initialize()
	vps, sps, pps := f.VPS, f.SPS, f.PPS
	vt := &videoTrack{
		name:   "h265",
		decode: dec.Decode,
		params: func(au [][]byte, cur [][]byte) ([][]byte, bool) {
			changed := false
			for _, n := range au {
				if len(n) == 0 {
					continue
				}
				switch h265.NALUType((n[0] >> 1) & 0x3f) {
				case h265.NALUType_VPS_NUT:
					changed = setParam(cur, 0, n) || changed
				case h265.NALUType_SPS_NUT:
					changed = setParam(cur, 1, n) || changed
				case h265.NALUType_PPS_NUT:
					changed = setParam(cur, 2, n) || changed
				}
			}
			return cur, changed
		},
		key: h265.IsRandomAccess,
		dts: ext.Extract,
		info: func(ps [][]byte) (*segmentInfo, error) {
			if ps[0] == nil || ps[1] == nil || ps[2] == nil {
				return nil, errors.New("no VPS/SPS/PPS yet")
			}
			var s h265.SPS
			if err := s.Unmarshal(ps[1]); err != nil {
				return nil, fmt.Errorf("bad SPS: %w", err)
			}
			return &segmentInfo{
				codecs:     []codecs.Codec{&codecs.H265{VPS: ps[0], SPS: ps[1], PPS: ps[2]}},
				timescales: []uint32{videoClock},
				codecName:  "h265", width: s.Width(), height: s.Height(),
			}, nil
		},
		withParams: func(au [][]byte, ps [][]byte) [][]byte {
			for _, n := range au {
				if len(n) > 0 && h265.NALUType((n[0]>>1)&0x3f) == h265.NALUType_SPS_NUT {
					return au
				}
			}
			return append([][]byte{ps[0], ps[1], ps[2]}, au...)
		},
	}
	return vt, [][]byte{vps, sps, pps}, nil
}

func bytesEq(a, b []byte) bool { return string(a) == string(b) }
