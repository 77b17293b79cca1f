package agent_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/agent"
	"github.com/vigilo/vigilo/internal/agent/wsdtest"
)

// TestDiscover: a unicast WS-Discovery probe finds the devices that answer
// it, with their service address, name and hardware, ignores an answer to
// another probe, and drops a device whose service address is not http.
func TestDiscover(t *testing.T) {
	r := wsdtest.Start(t,
		wsdtest.Device{Endpoint: "urn:uuid:1111", XAddr: "http://192.168.1.30/onvif/device_service http://[fe80::1]/onvif/device_service",
			Name: "Front Door", Hardware: "IPC-4000"},
		wsdtest.Device{Endpoint: "urn:uuid:2222", XAddr: "ftp://192.168.1.31/x"},
		wsdtest.Device{Endpoint: "urn:uuid:3333", XAddr: "http://192.168.1.32:8000/onvif/device_service"})
	quiet := wsdtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	devs, err := agent.Discover(ctx, false, []string{r.Addr(), quiet.Addr()}, 700*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 || devs[0].Endpoint != "urn:uuid:1111" || devs[0].XAddr != "http://192.168.1.30/onvif/device_service" ||
		devs[0].Name != "Front Door" || devs[0].Hardware != "IPC-4000" || devs[1].XAddr != "http://192.168.1.32:8000/onvif/device_service" {
		t.Fatalf("found %+v", devs)
	}
	if f := devs[0].AgentFlag(0); f != "--onvif front-door=http://USER:PASSWORD@192.168.1.30/onvif/device_service" {
		t.Fatalf("flag %q", f)
	}
	if f := devs[1].AgentFlag(1); f != "--onvif onvif-2=http://USER:PASSWORD@192.168.1.32:8000/onvif/device_service" {
		t.Fatalf("flag %q", f)
	}
	if r.Probes() != 1 || quiet.Probes() != 1 {
		t.Fatalf("probes %d %d", r.Probes(), quiet.Probes())
	}
	if _, err := agent.Discover(ctx, false, nil, time.Millisecond); err == nil {
		t.Fatal("nothing to probe, no error")
	}
}
