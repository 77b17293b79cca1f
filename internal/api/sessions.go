package api

import (
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
)

// SessionJSON is one of my sign-in sessions or API tokens.
type SessionJSON struct {
	ID         int64     `json:"id"`
	Current    bool      `json:"current"`
	Name       string    `json:"name,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Address    string    `json:"address"`
	UserAgent  string    `json:"user_agent"`
}

type revokedResponse struct {
	Revoked int64 `json:"revoked"`
}

func sessionRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/me/sessions", Tag: "auth", Summary: "My sign-in sessions: where and when each was used; current marks this one",
			Response: List[SessionJSON]{}, Handler: h((*Server).listSessions)},
		{Method: "DELETE", Path: "/me/sessions/{id}", Tag: "auth", Summary: "End one of my sessions (signs that browser or device out)",
			Handler: h((*Server).deleteSession)},
		{Method: "DELETE", Path: "/me/sessions", Tag: "auth", Summary: "End all my other sessions and API tokens; this one stays",
			Response: revokedResponse{}, Handler: h((*Server).deleteOtherSessions)},
		{Method: "DELETE", Path: "/accounts/{id}/users/{user_id}/sessions", Tag: "users", Summary: "End every session and API token of a user (administrators)",
			Response: revokedResponse{}, Handler: h((*Server).revokeUserSessions)},
		{Method: "POST", Path: "/accounts/{id}/users/{user_id}/unlock", Tag: "users", Summary: "Lift a user's sign-in lock after failed attempts, so the right password signs in at once (administrators)",
			Handler: h((*Server).unlockUser)},
	}
}

// accountUserIDs reads the {id} and {user_id} of an account's user path.
func accountUserIDs(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	uid, err := pathID(r, "user_id")
	return id, uid, err
}

func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request) error {
	id, uid, err := accountUserIDs(r)
	if err != nil {
		return err
	}
	if err := s.App.UnlockUser(r.Context(), actor(r), id, uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) sessionList(w http.ResponseWriter, r *http.Request, kind string) error {
	ss, err := s.App.MySessions(r.Context(), actor(r), kind)
	if err != nil {
		return err
	}
	out := make([]SessionJSON, len(ss))
	for i, x := range ss {
		out[i] = sessionJSON(x)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, pageAll(len(out)), len(out)))
	return nil
}

func sessionJSON(x app.SessionInfo) SessionJSON {
	return SessionJSON{ID: x.ID, Current: x.Current, Name: x.Name, CreatedAt: x.CreatedAt, LastUsedAt: x.LastUsedAt,
		ExpiresAt: x.ExpiresAt, Address: x.Address, UserAgent: x.UserAgent}
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	return s.sessionList(w, r, identity.PurposeSession)
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.App.RevokeMySession(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) deleteOtherSessions(w http.ResponseWriter, r *http.Request) error {
	n, err := s.App.RevokeOtherSessions(r.Context(), actor(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, revokedResponse{n})
	return nil
}

func (s *Server) revokeUserSessions(w http.ResponseWriter, r *http.Request) error {
	id, uid, err := accountUserIDs(r)
	if err != nil {
		return err
	}
	n, err := s.App.AdminRevokeSessions(r.Context(), actor(r), id, uid)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, revokedResponse{n})
	return nil
}
