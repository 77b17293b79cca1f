package app

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/health"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/netpolicy"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// CameraDeps is what the camera use cases need beyond the store. The server
// fills it at start-up (server/cameras.go).
type CameraDeps struct {
	// Secrets seals camera credentials; nil refuses to store any.
	Secrets *camera.Secrets
	// Recording is the recording service running in this process
	// (internal/recording), nil when this process only serves the API
	// (VIGILO_RECORD=false).
	Recording Recorder
	// Addresses is the camera-address policy: registration checks every
	// address the server will dial for a camera, and the recorder dials
	// through it (camera_addresses.go). New sets the strict default.
	Addresses *netpolicy.Policy
	// NodeName names this process in a camera's status.recorder.
	NodeName string
	// PTZ drives a camera's pan/tilt/zoom (ptz.go); nil: no connector can,
	// and PTZ answers 409 ptz_unsupported.
	PTZ PTZDriver
	// Agents is the P&P tunnel (app/pnp.go); nil: P&P cameras never stream.
	Agents AgentTunnels
}

// MaxPlayback bounds one playback request; players ask again for more.
const MaxPlayback = time.Hour

// CameraStatus is a camera's live state in words and figures.
type CameraStatus struct {
	State         string // camera.State*
	Online        bool
	Recording     bool
	LastSegmentAt *time.Time
	BitrateKbps   int
	LastError     string
	Reason        string // media.Reason* when LastError is a connection problem
	// LastSeenAt is when the camera was last seen sending video: now while
	// online, else the health monitor's last sighting (nil: never seen).
	LastSeenAt *time.Time
	// Recorder names the node that records the camera ("" when none does).
	Recorder string
	// Uptime24h and Uptime7d are the shares of the last day and week the
	// camera was online while it should record (single-camera reads only;
	// nil when unknown).
	Uptime24h, Uptime7d *float64
}

// CameraView is a camera with its status and storage, as shown to people.
type CameraView struct {
	camera.Camera
	Status  CameraStatus
	Storage store.CameraStorage
	// Agent is set for P&P cameras.
	Agent *AgentInfo
	// PlanRetired: the camera records on a plan that has since been
	// retired; it keeps recording and being billed until moved.
	PlanRetired bool
}

// markRetiredPlans flags the views whose plan is retired, in one query.
func markRetiredPlans(ctx context.Context, q store.Q, vs []CameraView) error {
	var ids []int64
	for _, v := range vs {
		if v.PlanID != 0 {
			ids = append(ids, v.PlanID)
		}
	}
	retired, err := q.RetiredPlans(ctx, ids)
	if err != nil {
		return err
	}
	for i := range vs {
		vs[i].PlanRetired = retired[vs[i].PlanID]
	}
	return nil
}

// RegisterCameraInput is POST /cameras. IntegratorID defaults to the
// actor's own account; CustomerID and PlanID assign it at once.
type RegisterCameraInput struct {
	camera.NewCamera
	IntegratorID int64
	CustomerID   int64
	PlanID       int64
}

func requireCameraAdmin(actor tenancy.Actor) error {
	if !actor.Admin {
		// Guards and Viewers watch the cameras their roles cover
		// (CameraForRight); managing cameras is for admins.
		return errs.Forbiddenf("forbidden", "your role cannot manage cameras")
	}
	return nil
}

// RegisterCamera registers a camera to an integrator (R8).
func (a *App) RegisterCamera(ctx context.Context, actor tenancy.Actor, in RegisterCameraInput) (CameraView, error) {
	if err := requireCameraAdmin(actor); err != nil {
		return CameraView{}, err
	}
	v, err := in.Validate()
	if err != nil {
		return CameraView{}, err
	}
	if err := a.checkCameraAddress(ctx, v.Camera); err != nil {
		return CameraView{}, err
	}
	if in.Type == camera.PnP {
		if err := a.RequireModule(ctx, actor, tenancy.ModPnPCameras); err != nil {
			return CameraView{}, err
		}
	}
	sealed, err := a.sealSecret(v.Password)
	if err != nil {
		return CameraView{}, err
	}
	c := v.Camera
	c.SecretEnc = sealed
	err = a.tx(ctx, func(q store.Q, out *outbox) error {
		intID := in.IntegratorID
		if intID == 0 {
			intID = actor.AccountID
		}
		integ, err := q.Account(ctx, intID)
		if errs.KindOf(err) == errs.NotFound || (err == nil && !tenancy.InSubtree(actor.AccountPath, integ.Path)) {
			return errs.Field("integrator_id", "no such integrator")
		}
		if err != nil {
			return err
		}
		if integ.Type != tenancy.Integrator {
			if in.IntegratorID == 0 {
				return errs.Forbiddenf("forbidden", "cameras are registered by integrators and then assigned to customers")
			}
			return errs.Field("integrator_id", "must be an integrator; cameras are assigned to customers afterwards")
		}
		if c.Type == camera.PnP {
			if taken, err := q.PnPDeviceTaken(ctx, c.DeviceID); err != nil {
				return err
			} else if taken {
				return &errs.Error{Kind: errs.Conflict, Code: "conflict", Message: "this device is already registered",
					Fields: map[string]string{"pnp.device_id": "is already registered"}}
			}
		}
		c.IntegratorID, c.IntegratorPath = integ.ID, integ.Path
		c.CustomerID, c.PlanID = in.CustomerID, in.PlanID
		if err := a.checkAssignment(ctx, q, &c, integ); err != nil {
			return err
		}
		if err := q.InsertCamera(ctx, &c); err != nil {
			return err
		}
		if err := q.SyncAssignments(ctx, a.Now(), c.ID); err != nil { // billing follows the history
			return err
		}
		out.publish(events.Event{Kind: events.CameraChanged, AccountID: integ.ID, Path: integ.Path, CameraID: c.ID})
		return a.audit(ctx, q, actor, integ, "camera.created", map[string]any{
			"camera_id": c.ID, "type": c.Type, "name": c.Name, "customer_id": c.CustomerID, "plan_id": c.PlanID,
			"has_password": c.HasPassword()})
	})
	if err != nil {
		return CameraView{}, err
	}
	return a.cameraView(ctx, a.Store.R(), c), nil
}

func (a *App) sealSecret(pw string) (string, error) {
	if pw == "" {
		return "", nil
	}
	if a.Cameras.Secrets == nil {
		return "", errs.New(errs.Internal, "internal", "camera credentials key not loaded")
	}
	s, err := a.Cameras.Secrets.Seal(pw)
	return s, errs.Wrap(err, "seal credentials")
}

// checkAssignment validates c's customer and plan against its integrator:
// the customer must be a customer in the integrator's subtree, and the plan
// one that customer may use (R4, R8). Both are field errors, never 404s:
// the camera itself is visible, only the chosen ids are wrong.
func (a *App) checkAssignment(ctx context.Context, q store.Q, c *camera.Camera, integ tenancy.Account) error {
	f := errs.Fields{}
	c.CustomerPath = ""
	if c.CustomerID == 0 {
		if c.PlanID != 0 {
			f.Add("plan_id", "a plan is chosen together with a customer (customer_id)")
		}
		return f.Err()
	}
	cust, err := q.Account(ctx, c.CustomerID)
	switch {
	case errs.KindOf(err) == errs.NotFound:
		f.Add("customer_id", "no such customer")
	case err != nil:
		return err
	case !tenancy.InSubtree(integ.Path, cust.Path):
		f.Add("customer_id", "no such customer")
	case cust.Type != tenancy.Customer:
		f.Add("customer_id", "must be a customer account; integrators hold cameras unassigned")
	}
	if c.PlanID == 0 {
		f.Add("plan_id", "is required when the camera is assigned to a customer")
	}
	if len(f) > 0 {
		return f.Err()
	}
	r, err := q.UsablePlan(ctx, cust, c.PlanID, 0)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return errs.Field("plan_id", "is not a plan this customer may use")
		}
		return err
	}
	if r.Plan.Retired() {
		return errs.Field("plan_id", "is retired: choose another plan")
	}
	c.CustomerPath = cust.Path
	return nil
}

// loadCamera loads a camera the actor may see; anything else is NotFound (R10).
func loadCamera(ctx context.Context, q store.Q, actor tenancy.Actor, id int64) (camera.Camera, error) {
	c, err := q.Camera(ctx, id)
	if err != nil {
		return c, err
	}
	if !c.VisibleTo(actor) {
		return camera.Camera{}, errs.NotFoundf("camera %d not found", id)
	}
	return c, nil
}

// Camera returns one camera with its status.
// Guards and Viewers read the cameras their role covers (coveredCamera).
func (a *App) Camera(ctx context.Context, actor tenancy.Actor, id int64) (CameraView, error) {
	r := a.Store.R()
	c, err := coveredCamera(ctx, r, actor, id)
	if err != nil {
		return CameraView{}, err
	}
	return a.cameraView(ctx, r, c), nil
}

func (a *App) cameraView(ctx context.Context, q store.Q, c camera.Camera) CameraView {
	st, err := q.CameraStorageUsed(ctx, c.ID)
	if err != nil {
		a.Log.Warn("camera storage", "camera", c.ID, "err", err)
	}
	hs, err := q.CamerasHealth(ctx, []int64{c.ID})
	if err != nil {
		a.Log.Warn("camera health", "camera", c.ID, "err", err)
	}
	v := withAgent(CameraView{Camera: c, Storage: st, Status: a.cameraStatus(c, st, hs[c.ID]), Agent: a.agentInfo(ctx, q, c)})
	vs := []CameraView{v}
	if err := markRetiredPlans(ctx, q, vs); err != nil {
		a.Log.Warn("camera plan retired", "camera", c.ID, "err", err)
	}
	v = vs[0]
	now := a.Now()
	if evs, err := q.CameraEventsInRange(ctx, c.ID, now.Add(-7*24*time.Hour), now, camera.MaxEventsListed); err != nil {
		a.Log.Warn("camera health events", "camera", c.ID, "err", err)
	} else {
		if r, ok := health.Uptime(evs, now.Add(-24*time.Hour), now); ok {
			v.Status.Uptime24h = &r
		}
		if r, ok := health.Uptime(evs, now.Add(-7*24*time.Hour), now); ok {
			v.Status.Uptime7d = &r
		}
	}
	return v
}

// cameraStatus combines the recorder's live state with the reasons a
// camera is not recording, in words a person can act on.
func (a *App) cameraStatus(c camera.Camera, st store.CameraStorage, h health.State) CameraStatus {
	s := a.cameraLiveStatus(c, st, h)
	switch {
	case s.Online:
		now := a.Now().UTC()
		s.LastSeenAt = &now
	case !h.LastSeen.IsZero():
		t := h.LastSeen.UTC()
		s.LastSeenAt = &t
	}
	return s
}

func (a *App) cameraLiveStatus(c camera.Camera, st store.CameraStorage, h health.State) CameraStatus {
	s := CameraStatus{LastSegmentAt: st.LastEnd}
	switch {
	case !c.Type.Connectable():
		s.State = camera.StatePending
		s.LastError = "waiting for the " + string(c.Type) + " connector, which is not available in this version"
		return s
	case c.Type == camera.ONVIF && c.RTSPURL == "":
		cs, _ := connectStatus(c)
		cs.LastSegmentAt = st.LastEnd
		return cs
	case !c.Enabled:
		s.State, s.LastError = camera.StateOff, "switched off"
		return s
	case c.CustomerID == 0:
		s.State, s.LastError = camera.StateIdle, "not assigned to a customer"
		return s
	case c.PlanID == 0:
		s.State, s.LastError = camera.StateIdle, "no recording plan"
		return s
	}
	rec := a.Cameras.Recording
	if rec == nil {
		// Another node records: the health monitor's saved state is the
		// best this process knows.
		s.State = camera.StateIdle
		s.LastError = "the recorder does not run in this process"
		if h.CameraID != 0 {
			s.Online, s.Reason = h.Online, h.Reason
		}
		return s
	}
	ms, desired := rec.Status(c.ID)
	if !desired {
		s.State = camera.StateIdle
		s.LastError = "recording is stopped: an account above is disabled or cloud recording is switched off"
		return s
	}
	s.Online, s.Recording, s.BitrateKbps, s.LastError = ms.Online, ms.Recording, ms.BitrateKbps, ms.LastError
	s.Reason = ms.Reason
	if c.Type == camera.PnP {
		if _, ok := a.AgentLink(c.ID); !ok {
			// The recorder has nothing to dial: say why, in the agent's terms.
			s.Online, s.Recording, s.BitrateKbps = false, false, 0
			s.Reason, s.LastError = camera.ReasonAgentDisconnected, "the camera's P&P agent is not connected"
		}
	}
	s.Recorder = a.Cameras.NodeName
	if !ms.LastSegmentAt.IsZero() && (s.LastSegmentAt == nil || ms.LastSegmentAt.After(*s.LastSegmentAt)) {
		t := ms.LastSegmentAt.UTC()
		s.LastSegmentAt = &t
	}
	if !ms.Recording && c.ConnectReason != "" {
		// The device itself refuses us now (its stream address is being
		// asked again): its reason says more than the recorder's.
		s.Reason, s.LastError = c.ConnectReason, ONVIFReasonText(c.ConnectReason)
	}
	if ms.Recording {
		s.State = camera.StateRecording
	} else {
		s.State = camera.StateOffline
		if s.LastError == "" {
			s.LastError = "connecting to the camera"
		}
	}
	return s
}

// CameraListInput filters GET /cameras.
type CameraListInput struct {
	CustomerID int64
	Unassigned bool
	Q          string
	Page       store.Page
}

// ListCameras lists the cameras registered in or assigned within the
// actor's subtree; for Guards and Viewers exactly those their role covers.
func (a *App) ListCameras(ctx context.Context, actor tenancy.Actor, in CameraListInput) ([]CameraView, int, store.Page, error) {
	r := a.Store.R()
	if in.CustomerID != 0 {
		if _, err := a.loadVisible(ctx, r, actor, in.CustomerID, tenancy.Read); err != nil {
			return nil, 0, store.Page{}, err
		}
	}
	p := in.Page.Clamp()
	f := store.CameraFilter{Scope: actor.AccountPath, CustomerID: in.CustomerID, Unassigned: in.Unassigned, Q: in.Q, Page: p}
	cameraScope(actor, &f)
	list, total, err := r.ListCameras(ctx, f)
	if err != nil {
		return nil, 0, p, err
	}
	out, err := a.CameraViews(ctx, r, list)
	return out, total, p, err
}

// CameraViews adds status and storage to a page of cameras (one query).
func (a *App) CameraViews(ctx context.Context, q store.Q, list []camera.Camera) ([]CameraView, error) {
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	storage, err := q.CamerasStorageUsed(ctx, ids)
	if err != nil {
		return nil, err
	}
	hs, err := q.CamerasHealth(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]CameraView, len(list))
	for i, c := range list {
		st := storage[c.ID]
		out[i] = withAgent(CameraView{Camera: c, Storage: st, Status: a.cameraStatus(c, st, hs[c.ID]), Agent: a.agentInfo(ctx, q, c)})
	}
	return out, markRetiredPlans(ctx, q, out)
}

// UpdateCamera renames, switches, assigns, moves or unassigns a camera.
// Assigning and moving need the registering integrator (or above); the
// customer's admins may rename it and switch it off and on (privacy).
func (a *App) UpdateCamera(ctx context.Context, actor tenancy.Actor, id int64, p camera.Patch) (CameraView, error) {
	if err := requireCameraAdmin(actor); err != nil {
		return CameraView{}, err
	}
	if err := p.Validate(); err != nil {
		return CameraView{}, err
	}
	if p.RTSPURL != nil || p.SubStreamURL != nil { // checked before the transaction: resolving a name may take a while
		chk := camera.Camera{Type: camera.Generic}
		if p.RTSPURL != nil {
			chk.RTSPURL = *p.RTSPURL
		}
		if p.SubStreamURL != nil {
			chk.SubStreamURL = *p.SubStreamURL
		}
		if err := a.checkCameraAddress(ctx, chk); err != nil {
			return CameraView{}, err
		}
	}
	var sealed *string
	if p.Password != nil {
		s, err := a.sealSecret(*p.Password)
		if err != nil {
			return CameraView{}, err
		}
		sealed = &s
	}
	var c camera.Camera
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		var err error
		if c, err = loadCamera(ctx, q, actor, id); err != nil {
			return err
		}
		managed := c.ManagedBy(actor)
		if p.TouchesAssignment() && !managed {
			return errs.Forbiddenf("forbidden", "only the integrator that registered this camera can assign it or change its connection")
		}
		if (p.RTSPURL != nil || p.Username != nil || p.Password != nil) && c.Type != camera.Generic {
			return errs.Field("rtsp_url", `only a "generic" camera has an RTSP address and credentials here`)
		}
		if p.SubStreamURL != nil && c.Type != camera.Generic {
			return errs.Field("sub_rtsp_url", `only a "generic" camera has a sub stream address set by hand; an ONVIF camera is asked for it`)
		}
		before := c
		if p.Name != nil {
			c.Name = *p.Name
		}
		if p.Enabled != nil {
			c.Enabled = *p.Enabled
		}
		if p.CustomerSet {
			c.CustomerID = p.CustomerID
			if p.CustomerID == 0 && !p.PlanSet {
				c.PlanID = 0 // a plan belongs to an assignment
			}
		}
		if p.PlanSet {
			c.PlanID = p.PlanID
		}
		if p.RTSPURL != nil {
			c.RTSPURL = *p.RTSPURL
		}
		if p.SubStreamURL != nil {
			c.SubStreamURL = *p.SubStreamURL
		}
		if p.Username != nil {
			c.Username = *p.Username
		}
		if sealed != nil {
			c.SecretEnc = *sealed
		}
		integ, err := q.Account(ctx, c.IntegratorID)
		if err != nil {
			return err
		}
		if c.CustomerID != before.CustomerID || c.PlanID != before.PlanID {
			if err := a.checkAssignment(ctx, q, &c, integ); err != nil {
				return err
			}
		}
		if err := q.UpdateCamera(ctx, &c); err != nil {
			return err
		}
		if err := q.SyncAssignments(ctx, a.Now(), c.ID); err != nil { // a move, plan change or switch-off splits the month
			return err
		}
		target := integ
		if !managed {
			// A customer's own change belongs in the customer's log.
			if target, err = q.Account(ctx, c.CustomerID); err != nil {
				return err
			}
		}
		out.publish(events.Event{Kind: events.CameraChanged, AccountID: integ.ID, Path: integ.Path, CameraID: c.ID})
		return a.audit(ctx, q, actor, target, "camera.updated", cameraDiff(before, c))
	})
	if err != nil {
		return CameraView{}, err
	}
	return a.cameraView(ctx, a.Store.R(), c), nil
}

func cameraDiff(b, c camera.Camera) map[string]any {
	d := map[string]any{"camera_id": c.ID}
	if b.Name != c.Name {
		d["name"] = []string{b.Name, c.Name}
	}
	if b.Enabled != c.Enabled {
		d["enabled"] = []bool{b.Enabled, c.Enabled}
	}
	if b.CustomerID != c.CustomerID {
		d["customer_id"] = []int64{b.CustomerID, c.CustomerID}
	}
	if b.PlanID != c.PlanID {
		d["plan_id"] = []int64{b.PlanID, c.PlanID}
	}
	if b.SubStreamURL != c.SubStreamURL {
		d["sub_rtsp_url"] = []string{b.SubStreamURL, c.SubStreamURL}
	}
	if b.RTSPURL != c.RTSPURL {
		d["rtsp_url"] = []string{b.RTSPURL, c.RTSPURL}
	}
	if b.Username != c.Username || b.SecretEnc != c.SecretEnc {
		d["credentials"] = "changed" // never the values
	}
	return d
}

// DeleteCamera deletes a camera and its recordings (index in the
// transaction, files after it commits).
func (a *App) DeleteCamera(ctx context.Context, actor tenancy.Actor, id int64) error {
	if err := requireCameraAdmin(actor); err != nil {
		return err
	}
	var paths, clips []string
	var c camera.Camera
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		var err error
		if c, err = loadCamera(ctx, q, actor, id); err != nil {
			return err
		}
		if !c.ManagedBy(actor) {
			return errs.Forbiddenf("forbidden", "only the integrator that registered this camera can delete it")
		}
		if paths, err = q.CameraSegmentPaths(ctx, id); err != nil {
			return err
		}
		clips, err = q.CameraClipPaths(ctx, id) // kept from retention, not from deletion
		if err != nil {
			return err
		}
		paths = append(paths, clips...)
		if err := q.DeleteCamera(ctx, id); err != nil {
			return err
		}
		if err := q.SyncAssignments(ctx, a.Now(), id); err != nil { // billed until now
			return err
		}
		integ := tenancy.Account{ID: c.IntegratorID, Path: c.IntegratorPath}
		out.publish(events.Event{Kind: events.CameraChanged, AccountID: integ.ID, Path: integ.Path, CameraID: id})
		return a.audit(ctx, q, actor, integ, "camera.deleted", map[string]any{
			"camera_id": id, "name": c.Name, "type": c.Type, "segments": len(paths)})
	})
	if err != nil {
		return err
	}
	a.removeCameraFiles(id, paths, a.Now())
	if a.DeleteObject != nil { // its clips in the bucket (its segments go with the recorders' sweep)
		for _, p := range clips {
			a.removeClipFile(ctx, camera.Clip{CameraID: id, Path: p})
		}
	}
	if a.Cameras.Agents != nil {
		a.Cameras.Agents.Disconnect(id) // its credential went with the row
	}
	return nil
}

// CameraRecordings lists the recorded spans of a camera in [from, to).
// It needs the playback right (CameraForRight).
func (a *App) CameraRecordings(ctx context.Context, actor tenancy.Actor, id int64, from, to time.Time) ([]camera.Span, error) {
	r := a.Store.R()
	if _, err := a.cameraForRight(ctx, r, actor, id, identity.RightPlayback); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, errs.Field("to", "must be after from")
	}
	return r.RecordedSpans(ctx, id, from, to, camera.SpanGap)
}

// Playback writes one MP4 of [start, start+dur) of a camera's recordings to
// w, stitched from its segments without re-encoding, and meters the bytes
// served as the camera's traffic. Nothing is written when it fails before
// the first byte (so the caller can still answer with an error).
func (a *App) Playback(ctx context.Context, actor tenancy.Actor, id int64, start time.Time, dur time.Duration, w io.Writer) (int64, error) {
	r := a.Store.R()
	if _, err := a.cameraForRight(ctx, r, actor, id, identity.RightPlayback); err != nil {
		return 0, err
	}
	f := errs.Fields{}
	if start.IsZero() {
		f.Add("start", "is required")
	}
	if dur <= 0 || dur > MaxPlayback {
		f.Add("duration", "must be between 1 second and 1 hour")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	segs, err := r.SegmentsInRange(ctx, id, start, start.Add(dur))
	if err != nil {
		return 0, err
	}
	files := make([]media.Segment, len(segs))
	for i, s := range segs {
		files[i] = toMedia(s)
	}
	n, err := media.WritePlaybackFrom(ctx, w, files, start, dur, a.Remote)
	if n > 0 {
		a.Observe.PlaybackServed(n)
		// Meter what left the server even when the client went away.
		if terr := a.Store.W().AddTraffic(context.WithoutCancel(ctx), id, a.Now(), n); terr != nil {
			a.Log.Error("meter playback traffic", "camera", id, "bytes", n, "err", terr)
		}
	}
	if errors.Is(err, media.ErrNoRecording) {
		return n, &errs.Error{Kind: errs.NotFound, Code: "no_recording", Message: "nothing was recorded in the requested range"}
	}
	if err != nil && n == 0 {
		return 0, errs.Wrap(err, "playback")
	}
	return n, err
}

// toMedia converts the index's view of one segment file to the engine's.
func toMedia(s camera.Segment) media.Segment {
	return media.Segment{CameraID: s.CameraID, Start: s.Start, End: s.End, Bytes: s.Bytes, Path: s.Path,
		Codec: s.Codec, Width: s.Width, Height: s.Height, Object: s.Object}
}
