package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
)

// The Cluster page (operator administrators): every node with its roles,
// the cameras each recorder holds, its S3 upload backlog and its last
// heartbeat (docs/CLUSTER.md). On a single node it says so.

type clusterRow struct {
	app.ClusterNode
	Roles    string
	Seen     string // "2 s ago"
	Uploads  string // "3 segments, 12.0 MB, 4 s behind"; "" without S3
	Recorder bool
}

type clusterData struct {
	Rows    []clusterRow
	Cameras int
}

func (p *Portal) clusterPage(w http.ResponseWriter, r *http.Request, q *req) error {
	nodes, err := p.App.ClusterNodes(r.Context(), q.Actor)
	if err != nil {
		return err
	}
	now := time.Now()
	d := clusterData{}
	for _, n := range nodes {
		row := clusterRow{ClusterNode: n, Roles: strings.Join(n.Roles, ", "), Recorder: n.Has("recorder"),
			Seen: now.Sub(n.LastSeen).Round(time.Second).String() + " ago"}
		if u := n.Uploads; u != nil {
			row.Uploads = strings.Join([]string{itoa(u.Segments) + " segments", bytesText(u.Bytes),
				u.Lag(now).Round(time.Second).String() + " behind"}, ", ")
		}
		d.Cameras += n.Cameras
		d.Rows = append(d.Rows, row)
	}
	p.render(w, r, q, http.StatusOK, "cluster", "Cluster", "cluster", d)
	return nil
}
