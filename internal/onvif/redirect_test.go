package onvif

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestRedirectStaysOnTheDevicesHost: a device that redirects its SOAP
// endpoint to another host (here another P&P camera's stand-in host, which
// the server's dialer would turn into that camera's agent tunnel) gets an
// error, and the other host is never dialed; a redirect on its own host is
// still followed.
func TestRedirectStaysOnTheDevicesHost(t *testing.T) {
	var mu sync.Mutex
	var dialed []string
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, "http://camera-9.agent.invalid/onvif/device_service", http.StatusTemporaryRedirect)
		case "/moved":
			http.Redirect(w, r, "/onvif/device_service", http.StatusTemporaryRedirect)
		default:
			w.Header().Set("Content-Type", "application/soap+xml")
			_, _ = w.Write([]byte(`<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>Acme</tds:Manufacturer><tds:Model>M1</tds:Model><tds:FirmwareVersion>1</tds:FirmwareVersion><tds:SerialNumber>S</tds:SerialNumber><tds:HardwareId>H</tds:HardwareId></tds:GetDeviceInformationResponse></s:Body></s:Envelope>`))
		}
	}))
	defer srv.Close()
	c := NewClient(dial, "", "")
	defer c.Close()
	ctx := context.Background()
	if _, err := c.GetDeviceInformation(ctx, srv.URL+"/away"); err == nil {
		t.Error("a redirect to another host was followed")
	}
	info, err := c.GetDeviceInformation(ctx, srv.URL+"/moved")
	if err != nil || info.Manufacturer != "Acme" {
		t.Errorf("a redirect on the device's own host: %+v, %v", info, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range dialed {
		if a != srv.Listener.Addr().String() {
			t.Errorf("dialed %s (only %s is the device's)", a, srv.Listener.Addr())
		}
	}
}
