package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// liveFlags adds the live video settings (docs/LIVE.md); finish runs after
// the flags are parsed.
func (c *Config) liveFlags(fs *flag.FlagSet, env func(k, def string) string) (finish func(), err error) {
	linger, err := time.ParseDuration(env("VIGILO_LIVE_LINGER", "30s"))
	if err != nil {
		return nil, fmt.Errorf("VIGILO_LIVE_LINGER: %w", err)
	}
	fs.DurationVar(&c.LiveLinger, "live-linger", linger,
		"keep a camera pulled only for live viewers connected this long after its last viewer left (VIGILO_LIVE_LINGER)")
	port, err := strconv.Atoi(env("VIGILO_WEBRTC_UDP_PORT", "8189"))
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("VIGILO_WEBRTC_UDP_PORT: not a port number")
	}
	fs.IntVar(&c.WebRTCUDPPort, "webrtc-udp-port", port,
		"the one UDP port of all WebRTC sessions; ICE-TCP uses the same TCP port; 0 picks one (VIGILO_WEBRTC_UDP_PORT)")
	var hosts string
	fs.StringVar(&hosts, "webrtc-hosts", env("VIGILO_WEBRTC_HOSTS", ""),
		"comma-separated addresses announced to WebRTC viewers instead of the interfaces' (NAT 1:1) (VIGILO_WEBRTC_HOSTS)")
	fs.StringVar(&c.ICEServers, "ice-servers", env("VIGILO_ICE_SERVERS", ""),
		"comma-separated STUN/TURN URLs, credentials before the host: turn:user:pass@host:3478 (VIGILO_ICE_SERVERS)")
	return func() { c.WebRTCHosts = splitHosts(hosts) }, nil
}

// splitHosts turns the comma-separated host list into its entries.
func splitHosts(v string) []string {
	var out []string
	for _, h := range strings.Split(v, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}
