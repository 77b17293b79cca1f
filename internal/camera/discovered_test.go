package camera

import (
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/errs"
)

// TestDiscoveredAddressIsPlain: a device the agent found by WS-Discovery is
// shown to an admin as an --onvif flag to paste into a shell; an address
// carrying anything a shell reads is refused, naming xaddr.
func TestDiscoveredAddressIsPlain(t *testing.T) {
	ok := DiscoveredDevice{Endpoint: "urn:uuid:1", XAddr: "http://192.168.1.64:8080/onvif/device_service", Name: "Lobby"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a plain address: %v", err)
	}
	if got := ok.AgentFlag(0); got != "--onvif lobby=http://USER:PASSWORD@192.168.1.64:8080/onvif/device_service" {
		t.Errorf("flag %q", got)
	}
	for _, bad := range []string{"http://10.0.0.5/a;id`x` b|sh", "http://10.0.0.5/$(reboot)", "http://10.0.0.5/a'b", "http://10.0.0.5/a&b", "http://10.0.0.5/a\nb"} {
		d := ok
		d.XAddr = bad
		err := d.Validate()
		if e, isErr := errs.As(err); !isErr || e.Fields["xaddr"] == "" || len(e.Fields) != 1 {
			t.Errorf("%q: %v (want xaddr named alone)", strings.ReplaceAll(bad, "\n", `\n`), err)
		}
	}
}
