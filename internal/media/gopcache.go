package media

import "time"

// maxGOPUnits bounds one cached GOP (about 20 s at 25 fps): a camera with
// a longer GOP gets no replay past it, and new readers wait for its next
// keyframe as they did without a cache.
const maxGOPUnits = 512

// gopCache holds a copy of a camera's access units since its last
// keyframe, so a new live reader starts at once with a picture instead of
// waiting up to a GOP for the next keyframe. It belongs to the ingest
// goroutine; its buffers are reused from one GOP to the next, so a camera
// in steady state allocates nothing for it.
type gopCache struct {
	units []cachedUnit
	buf   []byte
	full  bool // the GOP outgrew maxGOPUnits: nothing to replay until the next keyframe
}

type cachedUnit struct {
	pts, dts int64
	ntp      time.Time
	key      bool
	nalus    []int // end offsets in buf of each NAL unit; the first starts where the previous unit ended
	params   [][]byte
}

// add copies one access unit in; a keyframe starts a new GOP.
func (g *gopCache) add(dts, pts int64, ntp time.Time, au [][]byte, key bool, params [][]byte) {
	if key {
		g.reset()
	} else if len(g.units) == 0 || g.full {
		return // no keyframe yet: nothing a reader could decode
	}
	if len(g.units) >= maxGOPUnits {
		g.full = true
		return
	}
	var cu cachedUnit
	if n := len(g.units); n < cap(g.units) {
		cu = g.units[:n+1][n] // reuse the offsets slice of an earlier GOP
	}
	cu.pts, cu.dts, cu.ntp, cu.key = pts, dts, ntp, key
	cu.nalus = cu.nalus[:0]
	for _, n := range au {
		g.buf = append(g.buf, n...)
		cu.nalus = append(cu.nalus, len(g.buf))
	}
	cu.params = nil
	if key {
		cu.params = make([][]byte, len(params))
		for i, p := range params {
			cu.params[i] = append([]byte(nil), p...)
		}
	}
	g.units = append(g.units, cu)
}

func (g *gopCache) reset() {
	g.units = g.units[:0]
	g.buf = g.buf[:0]
	g.full = false
}

// replay hands the cached units, all but the last skipLast, to fn as Units
// marked Replay (u is reused; its slices are valid during the call only).
// Params are the camera's current parameter sets, codec its codec.
func (g *gopCache) replay(u *Unit, codec string, params [][]byte, skipLast int, fn func(*Unit)) {
	if g.full {
		return
	}
	start := 0
	var au [][]byte
	for i := 0; i < len(g.units)-skipLast; i++ {
		cu := &g.units[i]
		au = au[:0]
		for _, end := range cu.nalus {
			au = append(au, g.buf[start:end])
			start = end
		}
		ps := params
		if cu.key {
			ps = cu.params
		}
		*u = Unit{Codec: codec, PTS: cu.pts, DTS: cu.dts, NTP: cu.ntp, AU: au, Key: cu.key, Params: ps, Replay: true}
		fn(u)
	}
}
