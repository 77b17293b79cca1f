package config

import (
	"flag"
	"fmt"
	"net"
)

// Branding settings (docs/BRANDING.md).
type Branding struct {
	// DNSResolver is the host:port of the DNS server that custom-domain
	// verification asks for _vigilo-challenge TXT records (VIGILO_DNS_RESOLVER);
	// empty: the system's resolver.
	DNSResolver string
}

func (c *Config) brandingFlags(fs *flag.FlagSet, env func(k, def string) string) error {
	r := env("VIGILO_DNS_RESOLVER", "")
	if r != "" {
		if _, _, err := net.SplitHostPort(r); err != nil {
			return fmt.Errorf("VIGILO_DNS_RESOLVER: want host:port of a DNS server, e.g. 127.0.0.1:53")
		}
	}
	fs.StringVar(&c.Branding.DNSResolver, "dns-resolver", r, "DNS server (host:port) asked for custom-domain TXT records; empty: the system's (VIGILO_DNS_RESOLVER)")
	return nil
}
