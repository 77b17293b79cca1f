package httpx

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// ServeVideo sends an MP4 with http.ServeContent, so Range, If-Range and
// HEAD work as players expect, and returns the body bytes written (for
// traffic metering). disposition is "attachment" for downloads and
// "inline" for players.
func ServeVideo(w http.ResponseWriter, r *http.Request, f io.ReadSeeker, name string, mod time.Time, disposition string) int64 {
	h := w.Header()
	h.Set("Content-Type", "video/mp4")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`%s; filename=%q`, disposition, name))
	cw := &countingWriter{ResponseWriter: w}
	http.ServeContent(cw, r, "", mod, f)
	return cw.n
}

// countingWriter counts the body bytes written through it.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}
