package media

import "encoding/binary"

// ISO-BMFF flag values used in the parts we write.
const (
	tfhdDefaultBaseIsMoof = 0x020000
	trunDataOffset        = 0x000001
	trunSampleDuration    = 0x000100
	trunSampleSize        = 0x000200
	trunSampleFlags       = 0x000400
	trunSampleCTO         = 0x000800
	// sample_flags: a keyframe depends on nothing; other frames depend on
	// others and are not sync samples.
	sampleFlagsSync    = 0x02000000
	sampleFlagsNonSync = 0x01010000
)

// appendMoof appends the moof box and the mdat header for the finalized
// samples of tracks to b. It is written by hand rather than through the
// reflection-based MP4 marshaller because it runs once per camera per part:
// with hundreds of cameras that marshaller was a fifth of the recorder's CPU.
// It reports false when no track has a finalized sample.
func appendMoof(b []byte, seq uint32, tracks []*wtrack) ([]byte, bool) {
	type trafInfo struct {
		t     *wtrack
		n     int
		flags uint32
		size  int // of the traf box
		data  int // payload bytes
	}
	var trafs [4]trafInfo
	list := trafs[:0]
	moofSize := 8 + 16 // moof header + mfhd
	for _, t := range tracks {
		n := t.finalized()
		if n == 0 {
			continue
		}
		flags := uint32(trunDataOffset | trunSampleDuration | trunSampleSize)
		per := 8
		if t.isVideo {
			flags |= trunSampleFlags
			per += 4
		}
		data := 0
		for _, m := range t.metas[:n] {
			data += int(m.size)
			if m.ptsOff != 0 && flags&trunSampleCTO == 0 {
				flags |= trunSampleCTO
				per += 4
			}
		}
		trunSize := 8 + 4 + 4 + 4 + n*per
		size := 8 + 16 + 20 + trunSize
		list = append(list, trafInfo{t: t, n: n, flags: flags, size: size, data: data})
		moofSize += size
	}
	if len(list) == 0 {
		return b, false
	}
	be := binary.BigEndian
	b = be.AppendUint32(b, uint32(moofSize))
	b = append(b, "moof"...)
	b = be.AppendUint32(b, 16)
	b = append(b, "mfhd"...)
	b = be.AppendUint32(b, 0) // version, flags
	b = be.AppendUint32(b, seq)
	dataOffset := moofSize + 8 // payloads start after the mdat header
	totalData := 0
	for _, tr := range list {
		t := tr.t
		b = be.AppendUint32(b, uint32(tr.size))
		b = append(b, "traf"...)
		b = be.AppendUint32(b, 16)
		b = append(b, "tfhd"...)
		b = be.AppendUint32(b, tfhdDefaultBaseIsMoof)
		b = be.AppendUint32(b, uint32(t.id))
		b = be.AppendUint32(b, 20)
		b = append(b, "tfdt"...)
		b = be.AppendUint32(b, 1<<24) // version 1: 64-bit time
		b = be.AppendUint64(b, uint64(t.partBase))
		b = be.AppendUint32(b, uint32(tr.size-8-16-20))
		b = append(b, "trun"...)
		b = be.AppendUint32(b, 1<<24|tr.flags) // version 1: signed composition offsets
		b = be.AppendUint32(b, uint32(tr.n))
		b = be.AppendUint32(b, uint32(dataOffset))
		for _, m := range t.metas[:tr.n] {
			b = be.AppendUint32(b, m.dur)
			b = be.AppendUint32(b, m.size)
			if tr.flags&trunSampleFlags != 0 {
				if m.nonSync {
					b = be.AppendUint32(b, sampleFlagsNonSync)
				} else {
					b = be.AppendUint32(b, sampleFlagsSync)
				}
			}
			if tr.flags&trunSampleCTO != 0 {
				b = be.AppendUint32(b, uint32(m.ptsOff))
			}
		}
		dataOffset += tr.data
		totalData += tr.data
	}
	b = be.AppendUint32(b, uint32(8+totalData))
	b = append(b, "mdat"...)
	return b, true
}
