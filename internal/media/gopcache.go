package media

import "time"

// maxGOPUnits bounds one cached GOP (about 20 s at 25 fps): a camera with
// a longer GOP gets no replay past it, and new readers wait for its next
// keyframe as they did without a cache.
const maxGOPUnits = 512

// gopKeep is how long a camera keeps its GOP cache after its last live
// reader left, so viewers coming back (a page reload, the grid and then the
// camera page) still start at once.
const gopKeep = time.Minute

// gopCache holds a copy of a camera's access units since its last
// keyframe, so a new live reader starts at once with a picture instead of
// waiting up to a GOP for the next keyframe. For a camera recorded only
// around events it holds more: whole GOPs reaching back at least keep,
// the pre-buffer an event's recording starts with. It belongs to the
// ingest goroutine; its buffers are reused from one GOP to the next, so a
// camera in steady state allocates nothing for it. Other cameras keep it
// only while they are watched and for gopKeep after their last reader
// left: a camera that is only recorded would otherwise hold a GOP (~0.5 MB
// at 2 Mbit/s and a 2 s GOP) for nobody; its first viewer waits for one
// keyframe instead.
type gopCache struct {
	gops  []*gop // oldest first; the last one is being filled
	spare []*gop // dropped GOPs whose buffers the next ones reuse
}

// gop is one group of pictures: a keyframe and the units after it.
type gop struct {
	units []cachedUnit
	buf   []byte
	full  bool         // the GOP outgrew maxGOPUnits: nothing to replay from it
	info  *segmentInfo // the recording's description at its keyframe
}

type cachedUnit struct {
	pts, dts int64
	ntp      time.Time
	key      bool
	nalus    []int // end offsets in buf of each NAL unit; the first starts where the previous unit ended
	params   [][]byte
}

// cur is the GOP being filled, nil before the first keyframe.
func (g *gopCache) cur() *gop {
	if len(g.gops) == 0 {
		return nil
	}
	return g.gops[len(g.gops)-1]
}

// add copies one access unit in; a keyframe starts a new GOP, and GOPs
// are dropped once the next one starts at least keep before ntp (keep 0:
// only the current GOP stays). info describes a keyframe for recording.
func (g *gopCache) add(dts, pts int64, ntp time.Time, au [][]byte, key bool, params [][]byte, info *segmentInfo, keep time.Duration) {
	if key {
		g.startGOP(ntp, keep, info)
	}
	cg := g.cur()
	if cg == nil || cg.full {
		return // no keyframe yet: nothing a reader could decode
	}
	if len(cg.units) >= maxGOPUnits {
		cg.full = true
		return
	}
	var cu cachedUnit
	if n := len(cg.units); n < cap(cg.units) {
		cu = cg.units[:n+1][n] // reuse the offsets slice of an earlier GOP
	}
	cu.pts, cu.dts, cu.ntp, cu.key = pts, dts, ntp, key
	cu.nalus = cu.nalus[:0]
	for _, n := range au {
		cg.buf = append(cg.buf, n...)
		cu.nalus = append(cu.nalus, len(cg.buf))
	}
	cu.params = nil
	if key {
		cu.params = make([][]byte, len(params))
		for i, p := range params {
			cu.params[i] = append([]byte(nil), p...)
		}
	}
	cg.units = append(cg.units, cu)
}

// startGOP opens a new GOP at a keyframe received at ntp and drops the
// oldest ones while the one after them still reaches back keep.
func (g *gopCache) startGOP(ntp time.Time, keep time.Duration, info *segmentInfo) {
	var ng *gop
	if n := len(g.spare); n > 0 {
		ng, g.spare = g.spare[n-1], g.spare[:n-1]
	} else {
		ng = &gop{}
	}
	ng.units, ng.buf, ng.full, ng.info = ng.units[:0], ng.buf[:0], false, info
	g.gops = append(g.gops, ng)
	cut := ntp.Add(-keep)
	drop := 0
	for drop < len(g.gops)-1 {
		next, at := g.gops[drop+1], ntp
		if next != ng && len(next.units) > 0 {
			at = next.units[0].ntp
		}
		if at.After(cut) {
			break
		}
		drop++
	}
	if drop > 0 {
		g.spare = append(g.spare, g.gops[:drop]...)
		g.gops = append(g.gops[:0], g.gops[drop:]...)
	}
}

// release drops the cache and its buffers, for a camera nobody watches.
func (g *gopCache) release() {
	if g.gops != nil || g.spare != nil {
		*g = gopCache{}
	}
}

func (g *gopCache) reset() {
	g.spare = append(g.spare, g.gops...)
	g.gops = g.gops[:0]
}

// replay hands the current GOP's units, all but the last skipLast, to fn
// as Units marked Replay (u is reused; its slices are valid during the
// call only). Params are the camera's current parameter sets, codec its
// codec.
func (g *gopCache) replay(u *Unit, codec string, params [][]byte, skipLast int, fn func(*Unit)) {
	cg := g.cur()
	if cg == nil || cg.full {
		return
	}
	cg.each(len(cg.units)-skipLast, func(cu *cachedUnit, au [][]byte) {
		ps := params
		if cu.key {
			ps = cu.params
		}
		*u = Unit{Codec: codec, PTS: cu.pts, DTS: cu.dts, NTP: cu.ntp, AU: au, Key: cu.key, Params: ps, Replay: true}
		fn(u)
	})
}

// each hands the first n units of the GOP to fn with their NAL units
// (valid during the call only).
func (cg *gop) each(n int, fn func(cu *cachedUnit, au [][]byte)) {
	start := 0
	var au [][]byte
	for i := 0; i < n; i++ {
		cu := &cg.units[i]
		au = au[:0]
		for _, end := range cu.nalus {
			au = append(au, cg.buf[start:end])
			start = end
		}
		fn(cu, au)
	}
}

// since hands fn the cached units of an unbroken run of complete GOPs up
// to the newest unit, starting at the newest keyframe received at or
// before from (the run's oldest when none is that old), with each GOP's
// description. GOPs whose keyframe dts is not after after (already
// recorded) are not part of the run. It reports whether it replayed
// anything.
func (g *gopCache) since(from time.Time, after int64, fn func(cu *cachedUnit, au [][]byte, info *segmentInfo)) bool {
	lo := len(g.gops)
	for i := len(g.gops) - 1; i >= 0; i-- {
		cg := g.gops[i]
		if cg.full || len(cg.units) == 0 || cg.info == nil || cg.units[0].dts <= after {
			break
		}
		lo = i
	}
	if lo == len(g.gops) {
		return false
	}
	first := lo
	for i := lo + 1; i < len(g.gops); i++ {
		if !g.gops[i].units[0].ntp.After(from) {
			first = i
		}
	}
	for _, cg := range g.gops[first:] {
		cg.each(len(cg.units), func(cu *cachedUnit, au [][]byte) { fn(cu, au, cg.info) })
	}
	return true
}
