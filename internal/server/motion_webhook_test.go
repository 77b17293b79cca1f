package server_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestMotionWebhooks: a motion camera event, recorded through the camera
// events foundation as an ONVIF connector or an agent does, reaches the
// "motion" webhooks of the accounts that see the camera, signed, once
// each; webhooks not subscribed to motion get nothing. Both databases.
func TestMotionWebhooks(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_WEBHOOK_ALLOW": "127.0.0.1/32"}})
		A := e.CreateAccount(e.Root, 1, "integrator", "Integrator A")
		C := e.CreateAccount(A.Token, A.ID, "customer", "Customer C")
		cam := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Yard",
			"rtsp_url": "rtsp://127.0.0.1:9/yard", "customer_id": C.ID, "plan_id": offerPlan(t, e, A, C)}).ID()
		motion, offline := startReceiver(t, "motion-secret-01234"), startReceiver(t, "offline-secret-0123")
		e.Must(201, "POST", "/api/v1/accounts/"+strconv.FormatInt(C.ID, 10)+"/webhooks", C.Token,
			map[string]any{"url": motion.url(), "events": []string{"motion"}, "secret": motion.secret})
		e.Must(201, "POST", "/api/v1/accounts/"+strconv.FormatInt(A.ID, 10)+"/webhooks", A.Token,
			map[string]any{"url": offline.url(), "events": []string{"camera.offline"}, "secret": offline.secret})

		ctx := context.Background()
		for i := 0; i < 2; i++ {
			if _, err := e.Main.App.OpenCameraEvent(ctx, cam, "motion", time.Now(), "tns1:VideoSource/MotionAlarm"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.Main.App.CloseCameraEvent(ctx, cam, "motion", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		motion.waitEvents(t, "motion,motion", 15*time.Second)
		motion.mu.Lock()
		got := motion.got
		motion.mu.Unlock()
		for _, p := range got {
			if p.Camera == nil || p.Camera.ID != cam || p.Camera.Name != "Yard" || p.Detail != "tns1:VideoSource/MotionAlarm" || p.Account != C.ID {
				t.Fatalf("motion payload %+v", p)
			}
		}
		if got[0].ID == got[1].ID {
			t.Fatal("two motion events share a delivery id")
		}
		time.Sleep(time.Second)
		if n := len(motion.events()); n != 2 || len(offline.events()) != 0 || motion.bad != 0 {
			t.Fatalf("motion deliveries %d, offline-only webhook got %v, bad signatures %d", n, offline.events(), motion.bad)
		}
	})
}
