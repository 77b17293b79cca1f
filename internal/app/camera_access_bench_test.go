package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
)

// BenchmarkCameraDecision is what every live, playback, clip and share
// request pays before its own work, on the big tree of
// BenchmarkAccessDecision: Authenticate a Guard of a customer five levels
// down (its role's rights and cameras come in the principal query), then
// App.CameraForRight for view_live on its camera (the camera with its
// paths; the six accounts of the customer's path with statuses and the
// live_view switches; camera.DecideRight).
//
//	VIGILO_TEST_POSTGRES=… go test ./internal/app -run '^$' -bench CameraDecision -benchtime 3000x
func BenchmarkCameraDecision(b *testing.B) {
	benchDBs(b, func(b *testing.B, tr *benchTree) {
		ctx := context.Background()
		cust, err := tr.st.R().Account(ctx, tr.deepChild)
		if err != nil {
			b.Fatal(err)
		}
		ids, err := tr.st.W().SeedCameras(ctx, []store.SeedCamera{{IntegratorID: cust.ParentID, CustomerID: cust.ID,
			Name: "bench cam", RTSPURL: "rtsp://10.0.0.1/bench", Enabled: true}})
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		role := identity.Role{AccountID: cust.ID, Name: fmt.Sprintf("bench guard %d", now.UnixNano()), Portal: identity.VideoPortal,
			Rights: []string{identity.RightViewLive, identity.RightPlayback}, CameraIDs: ids}
		if err := tr.st.W().InsertRole(ctx, &role); err != nil {
			b.Fatal(err)
		}
		u := identity.User{AccountID: cust.ID, Email: fmt.Sprintf("guard-%d@bench.test", now.UnixNano()), RoleID: role.ID,
			Status: identity.UserActive, EmailConfirmedAt: &now}
		if err := tr.st.W().InsertUser(ctx, &u); err != nil {
			b.Fatal(err)
		}
		plain, hash := identity.NewToken()
		if _, err := tr.st.W().InsertToken(ctx, u.ID, identity.PurposeSession, hash, "", now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		times := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			actor, err := tr.app.Authenticate(ctx, plain)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tr.app.CameraForRight(ctx, actor, ids[0], identity.RightViewLive); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		reportPercentiles(b, times, time.Microsecond, "µs")
	})
}
