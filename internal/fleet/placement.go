package fleet

import (
	"hash/fnv"
	"math"
	"strconv"
)

// Place returns the recorder a camera belongs on: weighted rendezvous
// hashing (highest random weight). Every node computes the same answer from
// the same list, with no coordination; a recorder joining or leaving moves
// only the cameras it wins or held; a recorder of capacity 2c wins about
// twice the cameras of one of capacity c. "" when there is none.
func Place(cameraID int64, recorders []Node) string {
	best, bestScore := "", math.Inf(-1)
	for _, n := range recorders {
		s := score(cameraID, n)
		if s > bestScore || (s == bestScore && n.ID < best) {
			best, bestScore = n.ID, s
		}
	}
	return best
}

// score is -capacity / ln(u) for u uniform in (0,1) from the hash of the
// pair: the weighted rendezvous score whose winner is node i with
// probability capacity_i / Σ capacity.
func score(cameraID int64, n Node) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(n.ID))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(strconv.FormatInt(cameraID, 10)))
	// Mix the FNV output (its high bits vary little for short inputs) and
	// map 53 bits into (0,1).
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	u := (float64(x>>11) + 0.5) / (1 << 53)
	c := max(n.Capacity, 1)
	return -float64(c) / math.Log(u)
}
