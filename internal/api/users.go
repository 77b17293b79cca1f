package api

import (
	"net/http"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := errs.Fields{}
	p := page(r, f)
	if err := f.Err(); err != nil {
		return err
	}
	items, total, p, err := s.App.ListUsers(r.Context(), actor(r), id, r.URL.Query().Get("q"), p)
	if err != nil {
		return err
	}
	out := make([]UserJSON, len(items))
	for i, u := range items {
		out[i] = userJSON(u)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}

type createUserRequest struct {
	Email              string `json:"email"`
	Name               string `json:"name"`
	Password           string `json:"password,omitempty"`
	RoleID             int64  `json:"role_id"`
	SendConfirmation   *bool  `json:"send_confirmation"`
	MustChangePassword bool   `json:"must_change_password"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in createUserRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.App.CreateUser(r.Context(), actor(r), identity.NewUser{AccountID: id, Email: in.Email, Name: in.Name,
		Password: in.Password, RoleID: in.RoleID, SendConfirmation: boolOr(in.SendConfirmation, true),
		MustChangePassword: in.MustChangePassword})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, userJSON(u))
	return nil
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	roles, err := s.App.ListRoles(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	out := make([]RoleJSON, len(roles))
	for i, ro := range roles {
		out[i] = roleJSON(ro)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, pageAll(len(out)), len(out)))
	return nil
}

type createRoleRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Portal      string   `json:"portal"`
	Rights      []string `json:"rights"`
	AllCameras  *bool    `json:"all_cameras"`
	CameraIDs   []int64  `json:"camera_ids"`
}

func (s *Server) createRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in createRoleRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	rights := in.Rights
	if rights == nil {
		rights = []string{}
	}
	role, err := s.App.CreateRole(r.Context(), actor(r), identity.Role{AccountID: id, Name: in.Name, Description: in.Description,
		Portal: identity.Portal(in.Portal), Rights: rights, AllCameras: boolOr(in.AllCameras, true), CameraIDs: in.CameraIDs})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, roleJSON(role))
	return nil
}
