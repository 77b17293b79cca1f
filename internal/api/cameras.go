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
	"github.com/vigilo/vigilo/internal/tenancy"
)

func cameraRoutes() []Route {
	idParam := []Param{{"customer_id", "integer", "only cameras assigned to this customer"},
		{"unassigned", "boolean", "true: only cameras not assigned to a customer"}, {"q", "string", "search name and device id"}}
	return []Route{
		{Method: "POST", Path: "/cameras", Tag: "cameras",
			Summary: `Register a camera to my integrator account: type "generic" with rtsp_url (credentials in the URL or as username/password); ` +
				`"onvif" {address,username,password} (pending until the ONVIF connector has asked the device for its stream: then online, or a named reason); ` +
				`"pnp" {device_id,claim_code} is stored as pending until the agent ships`,
			Request: createCameraRequest{}, Response: CameraJSON{}, Handler: h((*Server).createCamera)},
		{Method: "GET", Path: "/cameras", Tag: "cameras", Summary: "List cameras registered in or assigned within my subtree",
			Query: append(idParam, pageParams...), Response: List[CameraJSON]{}, Handler: h((*Server).listCameras)},
		{Method: "GET", Path: "/cameras/{id}", Tag: "cameras", Summary: "Read a camera with its live status",
			Response: CameraJSON{}, Handler: h((*Server).getCamera)},
		{Method: "PATCH", Path: "/cameras/{id}", Tag: "cameras",
			Summary: "Rename, switch off/on (privacy), assign to a customer with a plan, move, or unassign (customer_id: null)",
			Request: updateCameraDoc{}, Response: CameraJSON{}, Handler: h((*Server).updateCamera)},
		{Method: "DELETE", Path: "/cameras/{id}", Tag: "cameras", Summary: "Delete a camera and its recordings",
			Response: okResponse{}, Handler: h((*Server).deleteCamera)},
		{Method: "GET", Path: "/cameras/{id}/recordings", Tag: "cameras",
			Summary: "Recorded spans (adjacent segments merged; gaps are times without recording)",
			Query: []Param{{"from", "string", "RFC 3339 time or unix milliseconds; default 24 hours before to"},
				{"to", "string", "RFC 3339 time or unix milliseconds; default now"}},
			Response: []SpanJSON{}, Handler: h((*Server).cameraRecordings)},
		{Method: "GET", Path: "/cameras/{id}/playback", Tag: "cameras",
			Summary: "One MP4 (video/mp4) of the recording from start for duration, stitched without re-encoding; starts at the keyframe at or before start",
			Query: []Param{{"start", "string", "RFC 3339 time or unix milliseconds"},
				{"duration", "string", `seconds ("30") or a Go duration ("1m30s"); at most one hour`}},
			Handler: h((*Server).cameraPlayback)},
	}
}

type onvifJSON struct {
	Address  string `json:"address"`
	Username string `json:"username"`
	Password string `json:"password,omitempty"`
}

type pnpJSON struct {
	DeviceID  string `json:"device_id"`
	ClaimCode string `json:"claim_code,omitempty"`
}

type createCameraRequest struct {
	Type         camera.Type `json:"type"`
	Name         string      `json:"name"`
	RTSPURL      string      `json:"rtsp_url,omitempty"`
	SubRTSPURL   string      `json:"sub_rtsp_url,omitempty"`
	Username     string      `json:"username,omitempty"`
	Password     string      `json:"password,omitempty"`
	ONVIF        *onvifJSON  `json:"onvif,omitempty"`
	PnP          *pnpJSON    `json:"pnp,omitempty"`
	IntegratorID int64       `json:"integrator_id,omitempty"`
	CustomerID   int64       `json:"customer_id,omitempty"`
	PlanID       int64       `json:"plan_id,omitempty"`
}

// optID is a JSON id that may be absent (unchanged), null (cleared) or set.
type optID struct {
	Set bool
	ID  int64
}

func (o *optID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.ID = 0
		return nil
	}
	return json.Unmarshal(b, &o.ID)
}

// updateCameraDoc documents PATCH /cameras/{id}: customer_id and plan_id
// are ids or null (unassign); absent fields stay as they are.
type updateCameraDoc struct {
	Name       *string `json:"name,omitempty"`
	Enabled    *bool   `json:"enabled,omitempty"`
	CustomerID *int64  `json:"customer_id,omitempty"`
	PlanID     *int64  `json:"plan_id,omitempty"`
	RTSPURL    *string `json:"rtsp_url,omitempty"`
	SubRTSPURL *string `json:"sub_rtsp_url,omitempty"`
	Username   *string `json:"username,omitempty"`
	Password   *string `json:"password,omitempty"`
}

// updateCameraRequest is updateCameraDoc as decoded: optID tells an absent
// id from null.
type updateCameraRequest struct {
	Name       *string `json:"name,omitempty"`
	Enabled    *bool   `json:"enabled,omitempty"`
	CustomerID optID   `json:"customer_id"`
	PlanID     optID   `json:"plan_id"`
	RTSPURL    *string `json:"rtsp_url,omitempty"`
	SubRTSPURL *string `json:"sub_rtsp_url,omitempty"`
	Username   *string `json:"username,omitempty"`
	Password   *string `json:"password,omitempty"`
}

// CameraJSON is a camera as the API shows it. Credentials never leave the
// server: has_password tells whether some are stored.
type CameraJSON struct {
	ID           int64            `json:"id"`
	Type         camera.Type      `json:"type"`
	Name         string           `json:"name"`
	Enabled      bool             `json:"enabled"`
	IntegratorID int64            `json:"integrator_id,omitempty"`
	CustomerID   *int64           `json:"customer_id"`
	PlanID       *int64           `json:"plan_id"`
	RTSPURL      string           `json:"rtsp_url,omitempty"`
	SubRTSPURL   string           `json:"sub_rtsp_url,omitempty"`
	Username     string           `json:"username,omitempty"`
	HasPassword  bool             `json:"has_password"`
	ONVIF        *cameraONVIFJSON `json:"onvif,omitempty"`
	PnP          *cameraPnPJSON   `json:"pnp,omitempty"`
	Status       CameraStatusJSON `json:"status"`
	StorageBytes int64            `json:"storage_bytes"`
	Segments     int              `json:"segments"`
	// FirstVideoAt is when the camera first delivered video, which starts
	// its fixed-plan charges (docs/BILLING.md "First video"); null until then.
	FirstVideoAt *time.Time `json:"first_video_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

type cameraONVIFJSON struct {
	Address     string `json:"address,omitempty"`
	Username    string `json:"username,omitempty"`
	HasPassword bool   `json:"has_password,omitempty"`
	// What the device told at onboarding (empty until then).
	Manufacturer string             `json:"manufacturer"`
	Model        string             `json:"model"`
	Firmware     string             `json:"firmware"`
	Serial       string             `json:"serial,omitempty"`
	Profiles     []onvifProfileJSON `json:"profiles"`
	MainProfile  string             `json:"main_profile,omitempty"`
	SubProfile   string             `json:"sub_profile,omitempty"`
	PTZ          bool               `json:"ptz"`
	Events       bool               `json:"events"`
}

type onvifProfileJSON struct {
	Token    string `json:"token"`
	Name     string `json:"name"`
	Encoding string `json:"encoding"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
}

// onvifJSONOf is the device part of an ONVIF camera, for admins.
func onvifJSONOf(c camera.Camera) *cameraONVIFJSON {
	i := c.ONVIF
	j := &cameraONVIFJSON{Manufacturer: i.Manufacturer, Model: i.Model, Firmware: i.Firmware, Serial: i.Serial,
		MainProfile: i.MainProfile, SubProfile: i.SubProfile, PTZ: i.HasPTZ(), Events: i.EventsURL != "",
		Profiles: make([]onvifProfileJSON, len(i.Profiles))}
	for k, p := range i.Profiles {
		j.Profiles[k] = onvifProfileJSON(p)
	}
	return j
}

type cameraPnPJSON struct {
	DeviceID       string     `json:"device_id"`
	Claimed        bool       `json:"claimed"`
	AgentConnected bool       `json:"agent_connected"`
	AgentVersion   string     `json:"agent_version"`
	LastSeenAt     *time.Time `json:"last_seen_at"`
	// Discovered lists the ONVIF devices the connected agent found on its
	// LAN (WS-Discovery), to register: each as a P&P camera the agent
	// serves with the --onvif flag shown.
	Discovered []discoveredJSON `json:"discovered"`
}

type discoveredJSON struct {
	Endpoint  string `json:"endpoint"`
	XAddr     string `json:"xaddr"`
	Name      string `json:"name"`
	Hardware  string `json:"hardware"`
	AgentFlag string `json:"agent_flag"`
}

func discoveredJSONOf(list []camera.DiscoveredDevice) []discoveredJSON {
	out := make([]discoveredJSON, len(list))
	for i, d := range list {
		out[i] = discoveredJSON{Endpoint: d.Endpoint, XAddr: d.XAddr, Name: d.Name, Hardware: d.Hardware,
			AgentFlag: d.AgentFlag(i)}
	}
	return out
}

// CameraStatusJSON is a camera's live state.
type CameraStatusJSON struct {
	State         string     `json:"state"` // pending, off, idle, offline, recording
	Online        bool       `json:"online"`
	Recording     bool       `json:"recording"`
	LastSegmentAt *time.Time `json:"last_segment_at"`
	BitrateKbps   int        `json:"bitrate_kbps"`
	LastError     string     `json:"last_error"`
	Reason        string     `json:"reason,omitempty"`     // a named cause: address_refused, unreachable, timeout, unauthorized…
	LastSeenAt    *time.Time `json:"last_seen_at"`         // last time the camera was seen sending video
	Recorder      string     `json:"recorder,omitempty"`   // the node recording it
	Uptime24h     *float64   `json:"uptime_24h,omitempty"` // share of the last day online (single-camera reads)
	Uptime7d      *float64   `json:"uptime_7d,omitempty"`
}

// SpanJSON is one stretch of continuous recording.
type SpanJSON struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Bytes int64     `json:"bytes"`
}

func optInt(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

// timeOrNil is an optional instant in UTC (RFC 3339 in JSON), nil when zero.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func cameraJSON(v app.CameraView, actor tenancy.Actor) CameraJSON {
	c := v.Camera
	j := CameraJSON{ID: c.ID, Type: c.Type, Name: c.Name, Enabled: c.Enabled, CustomerID: optInt(c.CustomerID),
		PlanID: optInt(c.PlanID), StorageBytes: v.Storage.Bytes, Segments: v.Storage.Segments,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, FirstVideoAt: timeOrNil(c.FirstVideo),
		Status: CameraStatusJSON{State: v.Status.State, Online: v.Status.Online, Recording: v.Status.Recording,
			LastSegmentAt: v.Status.LastSegmentAt, BitrateKbps: v.Status.BitrateKbps, LastError: v.Status.LastError,
			Reason: v.Status.Reason, LastSeenAt: v.Status.LastSeenAt, Recorder: v.Status.Recorder,
			Uptime24h: v.Status.Uptime24h, Uptime7d: v.Status.Uptime7d}}
	// A P&P camera shows its device once its agent's ONVIF device was onboarded.
	if (c.Type == camera.ONVIF || (c.Type == camera.PnP && c.ONVIF.DeviceURL != "")) && actor.Admin {
		j.ONVIF = onvifJSONOf(c)
	}
	if !actor.Admin || !c.ManagedBy(actor) {
		// The registering integrator is above a customer: not shown to it
		// (R10), nor how the integrator reaches the camera (address,
		// credentials, device): the customer's admins, and Guards and
		// Viewers anywhere, watch the camera; the integrator's admins run it.
		return j
	}
	j.IntegratorID = c.IntegratorID
	j.SubRTSPURL = c.SubStreamURL
	switch c.Type {
	case camera.Generic:
		j.RTSPURL, j.Username, j.HasPassword = c.RTSPURL, c.Username, c.HasPassword()
	case camera.ONVIF:
		j.ONVIF.Address, j.ONVIF.Username, j.ONVIF.HasPassword = c.ONVIFAddress, c.Username, c.HasPassword()
		j.HasPassword = c.HasPassword()
		j.RTSPURL = c.RTSPURL // the stream address the device gave ("" until onboarded)
	case camera.PnP:
		j.PnP = &cameraPnPJSON{DeviceID: c.DeviceID}
		if ag := v.Agent; ag != nil {
			j.PnP.Claimed, j.PnP.AgentConnected, j.PnP.AgentVersion = ag.Claimed, ag.Connected, ag.Version
			j.PnP.LastSeenAt = ag.LastSeenAt
			j.PnP.Discovered = discoveredJSONOf(ag.Discovered)
		}
	}
	return j
}

func (s *Server) createCamera(w http.ResponseWriter, r *http.Request) error {
	var in createCameraRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Type == "" && in.RTSPURL != "" {
		in.Type = camera.Generic
	}
	ci := app.RegisterCameraInput{
		NewCamera: camera.NewCamera{Type: in.Type, Name: in.Name, RTSPURL: in.RTSPURL, SubStreamURL: in.SubRTSPURL,
			Username: in.Username, Password: in.Password},
		IntegratorID: in.IntegratorID, CustomerID: in.CustomerID, PlanID: in.PlanID,
	}
	if in.ONVIF != nil {
		ci.ONVIF = &camera.ONVIFInput{Address: in.ONVIF.Address, Username: in.ONVIF.Username, Password: in.ONVIF.Password}
	}
	if in.PnP != nil {
		ci.PnP = &camera.PnPInput{DeviceID: in.PnP.DeviceID, ClaimCode: in.PnP.ClaimCode}
	}
	a := actor(r)
	v, err := s.App.RegisterCamera(r.Context(), a, ci)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, cameraJSON(v, a))
	return nil
}

func (s *Server) listCameras(w http.ResponseWriter, r *http.Request) error {
	f := errs.Fields{}
	q := r.URL.Query()
	in := app.CameraListInput{CustomerID: queryInt(r, f, "customer_id"), Q: q.Get("q"), Page: page(r, f)}
	if v := q.Get("unassigned"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.Add("unassigned", "must be true or false")
		}
		in.Unassigned = b
	}
	if in.Unassigned && in.CustomerID != 0 {
		f.Add("unassigned", "cannot be combined with customer_id")
	}
	if err := f.Err(); err != nil {
		return err
	}
	a := actor(r)
	items, total, p, err := s.App.ListCameras(r.Context(), a, in)
	if err != nil {
		return err
	}
	out := make([]CameraJSON, len(items))
	for i, it := range items {
		out[i] = cameraJSON(it, a)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}

func (s *Server) getCamera(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	v, err := s.App.Camera(r.Context(), a, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, cameraJSON(v, a))
	return nil
}

func (s *Server) updateCamera(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in updateCameraRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	p := camera.Patch{Name: in.Name, Enabled: in.Enabled, CustomerSet: in.CustomerID.Set, CustomerID: in.CustomerID.ID,
		PlanSet: in.PlanID.Set, PlanID: in.PlanID.ID, RTSPURL: in.RTSPURL, SubStreamURL: in.SubRTSPURL, Username: in.Username,
		Password: in.Password}
	a := actor(r)
	v, err := s.App.UpdateCamera(r.Context(), a, id, p)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, cameraJSON(v, a))
	return nil
}

func (s *Server) deleteCamera(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.App.DeleteCamera(r.Context(), actor(r), id); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, okResponse{OK: true})
	return nil
}

// queryTime parses an RFC 3339 time or unix milliseconds.
func queryTime(r *http.Request, f errs.Fields, name string) time.Time {
	return parseTime(f, name, r.URL.Query().Get(name))
}

// queryRange reads ?from&to (RFC 3339 or unix ms); to defaults to now and
// from to 24 hours before to.
func (s *Server) queryRange(r *http.Request) (from, to time.Time, err error) {
	f := errs.Fields{}
	from, to = queryTime(r, f, "from"), queryTime(r, f, "to")
	if err := f.Err(); err != nil {
		return from, to, err
	}
	if to.IsZero() {
		to = s.App.Now().UTC()
	}
	if from.IsZero() {
		from = to.Add(-24 * time.Hour)
	}
	return from, to, nil
}

func (s *Server) cameraRecordings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	from, to, err := s.queryRange(r)
	if err != nil {
		return err
	}
	spans, err := s.App.CameraRecordings(r.Context(), actor(r), id, from, to)
	if err != nil {
		return err
	}
	out := make([]SpanJSON, len(spans))
	for i, sp := range spans {
		out[i] = SpanJSON{Start: sp.Start, End: sp.End, Bytes: sp.Bytes}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// lazyMP4 sends the video headers with the first byte, so a playback that
// fails before writing anything still answers with a JSON error.
type lazyMP4 struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (l *lazyMP4) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", "video/mp4")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Disposition", `inline; filename="`+l.name+`"`)
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(b)
}

func (s *Server) cameraPlayback(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := errs.Fields{}
	start := queryTime(r, f, "start")
	dur := parseDuration(f, "duration", r.URL.Query().Get("duration"))
	if strings.TrimSpace(r.URL.Query().Get("duration")) == "" {
		f.Add("duration", "is required")
	}
	if start.IsZero() && !f.Has("start") {
		f.Add("start", "is required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	lw := &lazyMP4{w: w, name: fmt.Sprintf("camera-%d-%s.mp4", id, start.UTC().Format("20060102T150405Z"))}
	_, err = s.App.Playback(r.Context(), actor(r), id, start, dur, lw)
	if err != nil && lw.started {
		// The status line is gone; the client sees a short file.
		s.Log.Warn("playback ended early", "camera", id, "err", err)
		return nil
	}
	return err
}
