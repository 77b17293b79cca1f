package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
)

func clipRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/cameras/{id}/clips", Tag: "clips",
			Summary: "Save a clip of the recording (right save_clip, module clips): start (RFC 3339 or unix ms), duration (seconds or \"1m30s\", " +
				"1 s to 1 h), name (at most 100 characters). 202: the clip job stitches it without re-encoding; poll GET /clips/{id} for progress",
			Request: createClipDoc{}, Response: ClipJSON{}, Handler: h((*Server).createClip)},
		{Method: "GET", Path: "/clips", Tag: "clips", Summary: "Clips of the cameras I may play back, newest first",
			Query: append([]Param{{"camera_id", "integer", "only this camera's clips"}}, pageParams...), Response: List[ClipJSON]{},
			Handler: h((*Server).listClips)},
		{Method: "GET", Path: "/clips/{id}", Tag: "clips", Summary: "A clip with its status and progress (right playback)",
			Response: ClipJSON{}, Handler: h((*Server).getClip)},
		{Method: "DELETE", Path: "/clips/{id}", Tag: "clips", Summary: "Delete a clip, its file and its share links (right save_clip)",
			Response: okResponse{}, Handler: h((*Server).deleteClip)},
		{Method: "GET", Path: "/clips/{id}/download", Tag: "clips",
			Summary: "The clip's MP4 (video/mp4), Range requests honoured; 409 clip_not_ready while it is being saved (right playback)",
			Handler: h((*Server).downloadClip)},
	}
}

// createClipDoc documents POST /cameras/{id}/clips.
type createClipDoc struct {
	Start    string  `json:"start"`
	Duration float64 `json:"duration"`
	Name     string  `json:"name,omitempty"`
}

// createClipRequest is createClipDoc as decoded: start and duration take a
// number or a string.
type createClipRequest struct {
	Start    any    `json:"start"`
	Duration any    `json:"duration"`
	Name     string `json:"name"`
}

// ClipJSON is a clip as the API shows it (never its file's path).
type ClipJSON struct {
	ID          int64     `json:"id"`
	CameraID    int64     `json:"camera_id"`
	Name        string    `json:"name"`
	Start       time.Time `json:"start"`
	Duration    float64   `json:"duration"` // seconds
	Status      string    `json:"status"`   // pending, ready, failed
	Progress    int       `json:"progress"` // percent
	Bytes       int64     `json:"bytes"`
	Error       string    `json:"error,omitempty"`
	DownloadURL string    `json:"download_url,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

func clipJSON(c camera.Clip) ClipJSON {
	j := ClipJSON{ID: c.ID, CameraID: c.CameraID, Name: c.Name, Start: c.Start, Duration: c.Duration.Seconds(),
		Status: c.Status, Progress: c.Progress, Bytes: c.Bytes, Error: c.Error, CreatedAt: c.CreatedAt}
	if c.Status == camera.ClipReady {
		j.DownloadURL = Prefix + "/clips/" + strconv.FormatInt(c.ID, 10) + "/download"
	}
	return j
}

// parseTime reads an RFC 3339 time or unix milliseconds.
func parseTime(f errs.Fields, name, v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(n).UTC()
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		f.Add(name, "must be an RFC 3339 time (2026-01-02T15:04:05Z) or unix milliseconds")
	}
	return t
}

// parseDuration reads seconds ("30", "1.5") or a Go duration ("1m30s").
func parseDuration(f errs.Fields, name, v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(secs * float64(time.Second))
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d
	}
	f.Add(name, `must be seconds ("30") or a duration ("1m30s")`)
	return 0
}

// scalar is a JSON number or string as text ("" when absent or null).
func scalar(f errs.Fields, name string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case json.Number:
		return x.String()
	case string:
		return x
	}
	f.Add(name, "must be a number or a string")
	return ""
}

func (s *Server) createClip(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in createClipRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	f := errs.Fields{}
	nc := camera.NewClip{Name: in.Name}
	nc.Start = parseTime(f, "start", scalar(f, "start", in.Start))
	nc.Duration = parseDuration(f, "duration", scalar(f, "duration", in.Duration))
	if err := f.Err(); err != nil {
		return err
	}
	c, err := s.App.CreateClip(r.Context(), actor(r), id, nc)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, clipJSON(c))
	return nil
}

func (s *Server) listClips(w http.ResponseWriter, r *http.Request) error {
	f := errs.Fields{}
	camID, p := queryInt(r, f, "camera_id"), page(r, f)
	if err := f.Err(); err != nil {
		return err
	}
	items, total, p, err := s.App.ListClips(r.Context(), actor(r), camID, p)
	if err != nil {
		return err
	}
	out := make([]ClipJSON, len(items))
	for i, c := range items {
		out[i] = clipJSON(c)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}

func (s *Server) getClip(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.App.Clip(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, clipJSON(c))
	return nil
}

func (s *Server) deleteClip(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.App.DeleteClip(r.Context(), actor(r), id); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, okResponse{OK: true})
	return nil
}

func (s *Server) downloadClip(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cf, err := s.App.OpenClip(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	ServeClip(w, r, s.App, cf, "attachment")
	return nil
}

// ServeClip sends an open clip (Range honoured) and meters the bytes sent
// as the camera's traffic. It closes the file.
func ServeClip(w http.ResponseWriter, r *http.Request, a *app.App, cf app.ClipFile, disposition string) {
	defer cf.File.Close()
	n := httpx.ServeVideo(w, r, cf.File, fmt.Sprintf("clip-%d.mp4", cf.Clip.ID), cf.Clip.UpdatedAt, disposition)
	a.MeterTraffic(r.Context(), cf.Clip.CameraID, n)
}
