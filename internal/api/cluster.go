package api

import (
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/httpx"
)

func clusterRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/cluster/nodes", Tag: "cluster", AdminOnly: true,
			Summary:  "The nodes of the cluster: roles, cameras recorded (live leases), last heartbeat, a recorder's S3 upload queue (operator only; empty on a single node; docs/CLUSTER.md, docs/S3.md)",
			Response: List[NodeJSON]{}, Handler: h((*Server).clusterNodes)},
	}
}

// NodeJSON is one node of the cluster.
type NodeJSON struct {
	ID         string    `json:"id"`
	Roles      []string  `json:"roles"`
	Cameras    int       `json:"cameras"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Alive      bool      `json:"alive"`
	URL        string    `json:"url"`
	Capacity   int       `json:"capacity"`
	StartedAt  time.Time `json:"started_at"`
	// UploadQueue is a recorder's S3 backlog (absent without S3).
	UploadQueue *UploadQueueJSON `json:"upload_queue,omitempty"`
}

// UploadQueueJSON is a recorder's S3 upload backlog (docs/S3.md).
type UploadQueueJSON struct {
	Segments   int       `json:"segments"`
	Bytes      int64     `json:"bytes"`
	LagSeconds float64   `json:"lag_seconds"` // age of the oldest waiting segment; 0 when none
	ReportedAt time.Time `json:"reported_at"`
}

func (s *Server) clusterNodes(w http.ResponseWriter, r *http.Request) error {
	nodes, err := s.App.ClusterNodes(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]NodeJSON, len(nodes))
	for i, n := range nodes {
		out[i] = NodeJSON{ID: n.ID, Roles: n.Roles, Cameras: n.Cameras, LastSeenAt: n.LastSeen, Alive: n.Alive, URL: n.URL,
			Capacity: n.Capacity, StartedAt: n.StartedAt}
		if q := n.Uploads; q != nil {
			out[i].UploadQueue = &UploadQueueJSON{Segments: q.Segments, Bytes: q.Bytes,
				LagSeconds: q.Lag(time.Now()).Seconds(), ReportedAt: q.Reported}
		}
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, pageAll(len(out)), len(out)))
	return nil
}
