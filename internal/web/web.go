// Package web is the admin portal: server-rendered pages (html/template,
// embedded), our own small CSS and JavaScript, no framework and no build
// step. Handlers are thin: parse the form, call one app use case, render or
// redirect. Every page works without JavaScript; the script only adds
// dialogs and conveniences.
package web

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/vigilo/vigilo/internal/app"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Portal serves the admin portal.
type Portal struct {
	App *app.App
	Log *slog.Logger
	tpl *templates
	// features tells the video portal which video routes exist (video.go).
	features featureProbe
	// zones holds the templates of the time zones in use (timezone.go).
	zones zoned
}

// New builds the portal; templates are parsed once here, so a broken
// template fails at start-up (and in every test), not on first view.
func New(a *app.App, log *slog.Logger) *Portal {
	if log == nil {
		log = slog.Default()
	}
	return &Portal{App: a, Log: log, tpl: mustParseTemplates()}
}

// Register adds the portal's routes to mux. The API owns /api/v1/; the
// portal takes the rest, including the catch-all not-found page.
func (p *Portal) Register(mux *http.ServeMux) {
	p.features.mux = mux
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	p.registerBrandAssets(mux) // web/brand_assets.go

	// Signed-out pages.
	mux.Handle("GET /login", p.anon(p.loginPage))
	mux.Handle("POST /login", p.anon(p.loginSubmit))
	mux.Handle("POST /logout", http.HandlerFunc(p.logout))
	mux.Handle("POST /login/passkey/begin", p.anon(p.passkeySignInBegin)) // web/passkeys.go
	mux.Handle("POST /login/passkey/finish", p.anon(p.passkeySignInFinish))
	mux.Handle("GET /auth/oidc/domain", p.anon(p.ssoDomain)) // web/sso.go
	mux.Handle("GET /auth/oidc/start", p.anon(p.ssoStart))
	mux.Handle("GET "+app.SSOCallbackPath, p.anon(p.ssoCallback))
	mux.Handle("POST /auth/oidc/otp", p.anon(p.ssoOTPSubmit))
	mux.Handle("GET /confirm", p.anon(p.confirmPage))
	mux.Handle("POST /confirm", p.anon(p.confirmSubmit))
	mux.Handle("POST /confirm/resend", p.anon(p.resendSubmit))
	mux.Handle("GET /forgot", p.anon(p.forgotPage))
	mux.Handle("POST /forgot", p.anon(p.forgotSubmit))
	mux.Handle("GET /reset", p.anon(p.resetPage))
	mux.Handle("POST /reset", p.anon(p.resetSubmit))
	mux.Handle("GET /setup", p.anon(p.setupPage))
	mux.Handle("POST /setup", p.anon(p.setupSubmit))

	// Signed-in pages.
	mux.Handle("GET /password", p.authed(p.passwordPage))
	mux.Handle("POST /password", p.authed(p.passwordSubmit))
	mux.Handle("GET /security", p.authed(p.securityPage))
	mux.Handle("GET /audit", p.admin(p.auditPage))
	mux.Handle("GET /cluster", p.admin(p.clusterPage)) // web/cluster.go; operator only
	mux.Handle("GET /audit.csv", p.admin(p.auditCSV))
	mux.Handle("POST /audit/retention", p.admin(p.auditRetentionSubmit))
	mux.Handle("POST /security/{action}", p.authed(p.securitySubmit))
	mux.Handle("POST /security/passkeys/begin", p.authed(p.passkeyBegin)) // web/passkeys.go
	mux.Handle("POST /security/passkeys/finish", p.authed(p.passkeyFinish))
	mux.Handle("GET /{$}", p.admin(p.dashboard))
	mux.Handle("GET /accounts", p.admin(p.customers))
	mux.Handle("GET /accounts/new", p.admin(p.wizardStart))
	mux.Handle("POST /accounts/new", p.admin(p.wizardSubmit))
	mux.Handle("GET /accounts/{id}", p.admin(p.accountTab))
	mux.Handle("GET /accounts/{id}/{tab}", p.admin(p.accountTab))
	mux.Handle("GET /accounts/{id}/statements.csv", p.admin(p.statementCSV))               // web/statements.go
	mux.Handle("GET /accounts/{id}/statistics/months.csv", p.admin(p.statementMonthsCSV))  // web/statistics_months.go
	mux.Handle("GET /accounts/{id}/statistics/days.csv", p.admin(p.statisticsDaysCSV))     // web/statistics_days.go
	mux.Handle("GET /accounts/{id}/statistics/counts.csv", p.admin(p.statisticsCountsCSV)) // web/statistics_days.go
	mux.Handle("GET /accounts/{id}/invoices.csv", p.admin(p.invoicesCSV))                  // web/invoices.go
	mux.Handle("POST /accounts/{id}/billing-profile", p.admin(p.billingProfileSubmit))
	mux.Handle("GET /invoices/{iid}/{format}", p.admin(p.invoiceDoc))
	mux.Handle("POST /invoices/{iid}/status", p.admin(p.invoiceStatusSubmit))
	mux.Handle("POST /accounts/{id}/profile", p.admin(p.profileSubmit))
	mux.Handle("POST /accounts/{id}/modules", p.admin(p.modulesSubmit))
	mux.Handle("POST /accounts/{id}/privacy", p.admin(p.privacySubmit))
	mux.Handle("POST /accounts/{id}/privacy/grants", p.admin(p.privacySubmit))
	mux.Handle("POST /accounts/{id}/privacy/grants/{gid}/revoke", p.admin(p.privacySubmit))
	mux.Handle("POST /accounts/{id}/two-factor", p.admin(p.twoFactorSubmit)) // web/account_signin.go
	mux.Handle("POST /accounts/{id}/sso", p.admin(p.ssoSubmit))
	mux.Handle("POST /accounts/{id}/plans", p.admin(p.childPlansSubmit))                   // every changed row at once (web/plans.go)
	mux.Handle("POST /accounts/{id}/branding", p.admin(p.brandingSubmit))                  // web/branding.go
	mux.Handle("GET /accounts/{id}/branding/mail-preview", p.admin(p.brandingMailPreview)) // web/branding_mail.go
	mux.Handle("POST /accounts/{id}/branding/mail-preview", p.admin(p.brandingMailPreview))
	mux.Handle("POST /accounts/{id}/plans/{plan}", p.admin(p.childPlanSubmit))
	mux.Handle("POST /accounts/{id}/disable", p.admin(p.disableSubmit))
	mux.Handle("POST /accounts/{id}/enable", p.admin(p.enableSubmit))
	mux.Handle("POST /accounts/{id}/delete", p.admin(p.deleteSubmit))
	mux.Handle("GET /accounts/{id}/users/new", p.admin(p.newUserPage))
	mux.Handle("POST /accounts/{id}/users/new", p.admin(p.newUserSubmit))
	mux.Handle("GET /accounts/{id}/roles/new", p.admin(p.newRolePage))
	mux.Handle("POST /accounts/{id}/roles/new", p.admin(p.newRoleSubmit))
	mux.Handle("GET /users", p.admin(p.ownUsers))
	mux.Handle("GET /users/{uid}", p.admin(p.userPage))
	mux.Handle("GET /users/{uid}/security", p.admin(p.userPage))
	mux.Handle("POST /users/{uid}", p.admin(p.userUpdate))
	mux.Handle("POST /users/{uid}/{action}", p.admin(p.userAction))
	mux.Handle("GET /roles", p.admin(p.ownRoles))
	// Cameras (camera_pages.go).
	mux.Handle("GET /health", p.admin(p.healthPage))
	mux.Handle("GET /alerts", p.admin(p.alertsPage))
	mux.Handle("POST /alerts/{action}", p.admin(p.alertsSubmit))
	mux.Handle("GET /cameras", p.admin(p.camerasPage))
	mux.Handle("GET /cameras/new", p.admin(p.cameraNewPage))
	mux.Handle("POST /cameras/new", p.admin(p.cameraNewSubmit))
	mux.Handle("GET /cameras/{cid}", p.admin(p.cameraPage))
	mux.Handle("POST /cameras/{cid}/{action}", p.admin(p.cameraAction))
	mux.Handle("GET /roles/{rid}", p.admin(p.rolePage))
	mux.Handle("POST /roles/{rid}", p.admin(p.roleUpdate))
	mux.Handle("POST /roles/{rid}/delete", p.admin(p.roleDelete))
	// The video portal (video.go), for every signed-in user.
	mux.Handle("GET /video", p.authed(p.videoGrid))
	mux.Handle("GET /video/cameras/{cid}", p.authed(p.videoCamera))
	mux.Handle("GET /plans", p.admin(p.myPlansPage))
	mux.Handle("POST /plans", p.admin(p.myPlansSubmit)) // every changed row at once (web/plans.go)
	mux.Handle("POST /plans/new", p.admin(p.newPlanSubmit))
	mux.Handle("POST /plans/copy", p.admin(p.copyPlanSubmit))
	mux.Handle("POST /plans/{plan}", p.admin(p.myPlanSubmit))
	mux.Handle("GET /plans/{plan}/edit", p.admin(p.planEditPage)) // the owner edits and retires its plan (web/plan_edit.go)
	mux.Handle("POST /plans/{plan}/edit", p.admin(p.planEditSubmit))
	mux.Handle("POST /plans/{plan}/retire", p.admin(p.planRetireSubmit))

	// Anything else is the portal's not-found page.
	mux.Handle("/", p.anon(func(w http.ResponseWriter, r *http.Request, _ *req) error {
		return errNotFound
	}))
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets are embedded in the binary: they change only with a new
		// build, and the layout links them with the build's version.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
