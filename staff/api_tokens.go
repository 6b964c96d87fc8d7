package staff

import (
	_ "embed"
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
)

//go:embed openapi_tokens.json
var tokensOpenAPIFragment []byte

// TokenAPI is the API token part of the admin API (an httpapi.Module):
// administrators list, create and revoke tokens for programs.
type TokenAPI struct {
	Tokens *apitoken.Store
	// Staff decides which tokens the caller may revoke; required.
	Staff *Service
	// MaxBodyBytes caps JSON bodies; default 64 KiB.
	MaxBodyBytes int64
}

// OpenAPI returns the fragment documenting the routes.
func (a *TokenAPI) OpenAPI() []byte { return tokensOpenAPIFragment }

// Routes registers the routes.
func (a *TokenAPI) Routes(rt *httpapi.Router) {
	rt.Handle("GET", "/api/v1/tokens", access.UsersManage, a.listTokens)
	rt.Handle("POST", "/api/v1/tokens", access.UsersManage, a.createToken)
	rt.Handle("DELETE", "/api/v1/tokens/{id}", access.UsersManage, a.revokeToken)
}

func (a *TokenAPI) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.Tokens.List(r.Context())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": ts})
	return nil
}

func (a *TokenAPI) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := httpapi.DecodeJSON(w, r, a.maxBody(), &in); err != nil {
		return err
	}
	if err := fromSession(r.Context()); err != nil {
		return err
	}
	if actor, ok := access.ActorFrom(r.Context()); ok {
		for _, p := range access.Shipped[in.Role] {
			if !actor.Has(p) {
				return httpapi.NewError(http.StatusForbidden, "beyond_own_permissions",
					"you cannot give the permission "+string(p)+", which you do not hold")
			}
		}
	}
	t, secret, err := a.Tokens.Create(r.Context(), in.Name, in.Role)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{"token": secret, "id": t.ID, "name": t.Name, "role": t.Role, "created_at": t.CreatedAt})
	return nil
}

func (a *TokenAPI) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Staff.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *TokenAPI) maxBody() int64 {
	if a.MaxBodyBytes == 0 {
		return 64 << 10
	}
	return a.MaxBodyBytes
}
