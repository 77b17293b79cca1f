package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestCameraFormRefusesInternalAddresses: with the strict camera-address
// policy, the portal's register form refuses loopback, metadata and private
// addresses next to the field, and stores nothing.
func TestCameraFormRefusesInternalAddresses(t *testing.T) {
	for _, pg := range []bool{false, true} {
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_CAMERA_ALLOW": ""}})
		c := newClient(t, e)
		c.signIn(apitest.AdminEmail, apitest.AdminPassword)
		for field, form := range map[string]url.Values{
			"rtsp_url":      {"type": {"generic"}, "name": {"Probe"}, "rtsp_url": {"rtsp://127.0.0.1:5432/"}},
			"onvif.address": {"type": {"onvif"}, "name": {"Probe"}, "onvif.address": {"169.254.169.254"}, "onvif.username": {"admin"}, "onvif.password": {"pw-123456"}},
		} {
			p := c.post("/cameras/new", "/cameras/new", form)
			if msg := fieldError(p.Body, field); p.Status != http.StatusBadRequest || !strings.Contains(msg, "cameras may not use") {
				t.Fatalf("%s: %d %q", field, p.Status, msg)
			}
		}
		if r := e.Must(200, "GET", "/api/v1/cameras", e.Root, nil); r.JSON["total"].(float64) != 0 {
			t.Fatalf("refused forms stored cameras: %s", r.Body)
		}
	}
}
