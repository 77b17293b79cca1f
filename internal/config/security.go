package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParseCIDRs reads a comma-separated list of CIDRs (a bare address counts as
// a single-address prefix). name is the setting, for the error message.
func ParseCIDRs(name, s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is neither a CIDR nor an address", name, part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
