package tunnel

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"time"
)

// backfillTimeout bounds one back-filled segment's transfer: a slow uplink
// moves a 1 s segment in far less, a stalled one must not hold the link's
// back-fill for ever.
const backfillTimeout = 2 * time.Minute

// backfill serves one stream the agent opened: a BackfillHeader line and
// the segment's bytes, handed to Config.Backfill; the answer is one line.
func (s *Server) backfill(ctx context.Context, cameraID int64, st net.Conn) {
	defer st.Close()
	_ = st.SetDeadline(time.Now().Add(backfillTimeout))
	br := bufio.NewReaderSize(st, 4096)
	line, err := readLine(br)
	if err != nil {
		return
	}
	var h BackfillHeader
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if dec.Decode(&h) != nil || h.Type != "segment" || h.StartMS <= 0 || h.Bytes <= 0 || h.Bytes > MaxBackfillBytes {
		_, _ = io.WriteString(st, "error "+BackfillBadRequest+"\n")
		return
	}
	if s.cfg.Backfill == nil {
		_, _ = io.WriteString(st, "skip "+BackfillNotRecording+"\n")
		return
	}
	body := io.LimitReader(br, h.Bytes)
	skip, err := s.cfg.Backfill(ctx, cameraID, time.UnixMilli(h.StartMS), body)
	// Whatever was not read goes, so the agent's write ends and it reads
	// the answer.
	_, _ = io.Copy(io.Discard, body)
	switch {
	case err != nil:
		s.log.Info("back-fill refused", "camera", cameraID, "err", err)
		_, _ = io.WriteString(st, "error "+truncate(err.Error(), 200)+"\n")
	case skip != "":
		_, _ = io.WriteString(st, "skip "+skip+"\n")
	default:
		_, _ = io.WriteString(st, "ok\n")
	}
}
