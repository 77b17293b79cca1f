package config

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cluster is how this process takes part in a cluster (docs/CLUSTER.md).
// With NATSURL empty it is a single node: every role, no NATS, no leases.
type Cluster struct {
	// Roles are "api" and/or "recorder" (VIGILO_ROLES, default both).
	Roles []string
	// NodeID names this process among the nodes (VIGILO_NODE_ID, default
	// the host name); two running nodes with one id refuse to start.
	NodeID string
	// NATSURL is the NATS server (VIGILO_NATS_URL); empty: single node.
	NATSURL string
	// NodeURL is where the other nodes reach this one's HTTP listener, for
	// live video proxied to the recorder holding a camera (VIGILO_NODE_URL,
	// default http://<bound http-addr>).
	NodeURL string
	// Capacity weighs this recorder in camera placement
	// (VIGILO_RECORDER_CAPACITY, default 100: twice 100 takes twice the
	// cameras).
	Capacity int
	// LeaseTTL is how long a camera's recording lease lasts unrenewed: a
	// dead recorder's cameras move after it, and a recorder cut off from
	// the database stops writing within it (VIGILO_LEASE_TTL, default 5s).
	LeaseTTL time.Duration
}

// Has reports whether this process has the role.
func (c Cluster) Has(role string) bool { return slices.Contains(c.Roles, role) }

// Enabled reports whether this process is one node of a cluster.
func (c Cluster) Enabled() bool { return c.NATSURL != "" }

// clusterFlags adds the cluster settings; finish runs after the flags are
// parsed.
func (c *Config) clusterFlags(fs *flag.FlagSet, env func(k, def string) string) (finish func() error, err error) {
	roles := fs.String("roles", env("VIGILO_ROLES", "api,recorder"), "api, recorder or both, comma-separated (VIGILO_ROLES)")
	host, _ := os.Hostname()
	fs.StringVar(&c.Cluster.NodeID, "node-id", env("VIGILO_NODE_ID", host), "this node's name in the cluster (VIGILO_NODE_ID; default the host name)")
	fs.StringVar(&c.Cluster.NATSURL, "nats-url", env("VIGILO_NATS_URL", ""), "NATS server of the cluster, e.g. nats://10.0.0.5:4222; empty: single node (VIGILO_NATS_URL)")
	fs.StringVar(&c.Cluster.NodeURL, "node-url", env("VIGILO_NODE_URL", ""), "URL the other nodes reach this node's HTTP listener at (VIGILO_NODE_URL)")
	capacity, err := strconv.Atoi(env("VIGILO_RECORDER_CAPACITY", "100"))
	if err != nil || capacity < 1 {
		return nil, fmt.Errorf("VIGILO_RECORDER_CAPACITY: want a positive number (relative weight in camera placement)")
	}
	fs.IntVar(&c.Cluster.Capacity, "recorder-capacity", capacity, "this recorder's weight in camera placement (VIGILO_RECORDER_CAPACITY)")
	ttl, err := time.ParseDuration(env("VIGILO_LEASE_TTL", "5s"))
	if err != nil || ttl < time.Second {
		return nil, fmt.Errorf("VIGILO_LEASE_TTL: want a duration of at least 1s, e.g. 5s")
	}
	fs.DurationVar(&c.Cluster.LeaseTTL, "lease-ttl", ttl, "life of an unrenewed camera lease (VIGILO_LEASE_TTL)")
	return func() error {
		c.Cluster.Roles = nil
		for _, r := range strings.Split(*roles, ",") {
			r = strings.TrimSpace(strings.ToLower(r))
			switch r {
			case "":
			case "api", "recorder":
				if !c.Cluster.Has(r) {
					c.Cluster.Roles = append(c.Cluster.Roles, r)
				}
			default:
				return fmt.Errorf("VIGILO_ROLES: unknown role %q (want api, recorder or both)", r)
			}
		}
		if len(c.Cluster.Roles) == 0 {
			return fmt.Errorf("VIGILO_ROLES: name at least one role (api, recorder)")
		}
		slices.Sort(c.Cluster.Roles)
		c.Cluster.NodeID = strings.TrimSpace(c.Cluster.NodeID)
		if c.Cluster.NodeID == "" || len(c.Cluster.NodeID) > 100 {
			return fmt.Errorf("VIGILO_NODE_ID: want a name of 1 to 100 characters (no host name to default to)")
		}
		if c.Cluster.NATSURL != "" {
			if u, err := url.Parse(c.Cluster.NATSURL); err != nil || u.Host == "" {
				return fmt.Errorf("VIGILO_NATS_URL: want nats://host:port")
			}
			if !strings.HasPrefix(c.DBURL, "postgres://") && !strings.HasPrefix(c.DBURL, "postgresql://") {
				return fmt.Errorf("VIGILO_NATS_URL: a cluster shares one PostgreSQL database; set VIGILO_DB_URL=postgres://…")
			}
		}
		if c.Cluster.NodeURL != "" {
			if u, err := url.Parse(c.Cluster.NodeURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return fmt.Errorf("VIGILO_NODE_URL: want http(s)://host:port")
			}
			c.Cluster.NodeURL = strings.TrimRight(c.Cluster.NodeURL, "/")
		}
		// A node without the recorder role never records, whatever
		// VIGILO_RECORD says.
		c.Record = c.Record && c.Cluster.Has("recorder")
		return nil
	}, nil
}
