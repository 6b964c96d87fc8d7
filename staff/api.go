package staff

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

//go:embed openapi.json
var openAPIFragment []byte

// API is the staff part of the admin API (an httpapi.Module): login and
// sessions for everyone, persons, roles and departments for administrators.
type API struct {
	// S is the service; its mailer (SetMailer) sends invitation and reset
	// links.
	S *Service
	// SecureCookie marks the session cookie Secure: staff reach the admin
	// listener over https (its own TLS, or a proxy in front at an https
	// people.admin_url).
	SecureCookie bool
	// MaxBodyBytes caps JSON bodies; default 64 KiB.
	MaxBodyBytes int64
}

// OpenAPI returns the fragment documenting the routes.
func (a *API) OpenAPI() []byte { return openAPIFragment }

// Routes registers the routes.
func (a *API) Routes(rt *httpapi.Router) {
	if a.MaxBodyBytes == 0 {
		a.MaxBodyBytes = 64 << 10
	}
	rt.Handle("POST", "/api/v1/auth/login", access.Public, a.login)
	rt.Handle("POST", "/api/v1/auth/logout", access.SignedIn, a.logout)
	rt.Handle("GET", "/api/v1/auth/me", access.SignedIn, a.me)
	rt.Handle("POST", "/api/v1/auth/department", access.SignedIn, a.switchDepartment)
	rt.Handle("GET", "/api/v1/auth/sessions", access.SignedIn, a.ownSessions)
	rt.Handle("DELETE", "/api/v1/auth/sessions", access.SignedIn, a.revokeOtherSessions)
	rt.Handle("DELETE", "/api/v1/auth/sessions/{id}", access.SignedIn, a.revokeOwnSession)
	rt.Handle("POST", "/api/v1/auth/password", access.SignedIn, a.changePassword)
	rt.Handle("POST", "/api/v1/auth/totp", access.SignedIn, a.beginTOTP)
	rt.Handle("POST", "/api/v1/auth/totp/confirm", access.SignedIn, a.confirmTOTP)
	rt.Handle("POST", "/api/v1/auth/totp/remove", access.SignedIn, a.removeTOTP)
	rt.Handle("GET", "/api/v1/auth/tokens", access.SignedIn, a.ownTokens)
	rt.Handle("POST", "/api/v1/auth/tokens", access.SignedIn, a.createOwnToken)
	rt.Handle("DELETE", "/api/v1/auth/tokens/{id}", access.SignedIn, a.revokeOwnToken)
	rt.Handle("POST", "/api/v1/auth/accept", access.Public, a.accept)
	rt.Handle("POST", "/api/v1/auth/reset-request", access.Public, a.resetRequest)
	rt.Handle("POST", "/api/v1/auth/reset", access.Public, a.reset)
	a.adminRoutes(rt)
}

func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) error {
	return httpapi.DecodeJSON(w, r, a.MaxBodyBytes, v)
}

// signedIn is what login and /auth/me answer.
type signedIn struct {
	Person      Person              `json:"person"`
	Department  int64               `json:"department_id"`
	Role        string              `json:"role"`
	Permissions []access.Permission `json:"permissions"`
	CSRFToken   string              `json:"csrf_token,omitempty"`
	ExpiresAt   *time.Time          `json:"expires_at,omitempty"`
}

func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email        string `json:"email"`
		Password     string `json:"password"`
		Code         string `json:"code"`
		DepartmentID int64  `json:"department_id"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if old, err := r.Cookie(CookieName); err == nil && old.Value != "" {
		a.S.Logout(r.Context(), old.Value) // rotation: the old session ends
	}
	ses, secret, actor, err := a.S.Login(r.Context(), LoginInput{Email: in.Email, Password: in.Password, Code: in.Code,
		DepartmentID: in.DepartmentID, IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		return err
	}
	http.SetCookie(w, a.cookie(r, secret, 0))
	out, err := a.signedIn(r.Context(), actor, secret)
	if err != nil {
		return err
	}
	out.ExpiresAt = &ses.ExpiresAt
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) cookie(r *http.Request, secret string, maxAge int) *http.Cookie {
	return SessionCookie(secret, httpapi.SecureCookie(a.SecureCookie, r), maxAge)
}

// SessionCookie is the session cookie the API and the console set:
// HttpOnly, SameSite=Strict, Secure as httpapi.SecureCookie decides, no
// Max-Age (expiry is kept on the server); maxAge -1 deletes it.
func SessionCookie(secret string, secure bool, maxAge int) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: secret, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge}
}

func (a *API) signedIn(ctx context.Context, actor access.Actor, secret string) (signedIn, error) {
	out := signedIn{Department: actor.DepartmentID, Role: actor.Role, Permissions: actor.Perms.List()}
	if actor.PersonID != 0 {
		p, err := a.S.Get(ctx, actor.PersonID)
		if err != nil {
			return out, err
		}
		out.Person = p
	}
	if secret != "" {
		out.CSRFToken = a.S.CSRFToken(secret)
	}
	return out, nil
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		if err := a.S.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, a.cookie(r, "", -1))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	secret := ""
	if c, err := r.Cookie(CookieName); err == nil && actor.SessionID != 0 {
		secret = c.Value
	}
	out, err := a.signedIn(r.Context(), actor, secret)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) switchDepartment(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		DepartmentID int64 `json:"department_id"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return httpapi.NewError(http.StatusConflict, "no_session", "switching department needs a session (tokens belong to one department)")
	}
	actor, err := a.S.SwitchDepartment(r.Context(), c.Value, in.DepartmentID)
	if err != nil {
		return err
	}
	out, err := a.signedIn(r.Context(), actor, c.Value)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) ownSessions(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	if actor.PersonID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_person", "a service token has no sessions")
	}
	ss, err := a.S.Sessions(r.Context(), actor.PersonID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": ss, "current": actor.SessionID})
	return nil
}

func (a *API) revokeOwnSession(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if actor.PersonID == 0 {
		return ErrSessionNotFound
	}
	if err := a.S.RevokeSession(r.Context(), id, actor.PersonID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// revokeOtherSessions ends every session of the signed-in person but this
// one ("sign out everywhere else") and says how many it ended.
func (a *API) revokeOtherSessions(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	if actor.SessionID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_session", "sign out other sessions from a signed-in session")
	}
	n, err := a.S.RevokeOtherSessions(r.Context(), actor.PersonID, actor.SessionID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"revoked": n})
	return nil
}

// changePassword sets the signed-in person's password; their other
// sessions and their outstanding links end, this session stays.
func (a *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	var in struct {
		Current  string `json:"current_password"`
		Password string `json:"password"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if actor.SessionID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_session", "change the password from a signed-in session")
	}
	if err := a.S.ChangePassword(r.Context(), actor.PersonID, actor.SessionID, in.Current, in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// beginTOTP starts a second factor for the signed-in person after checking
// their current password, as confirmTOTP does.
func (a *API) beginTOTP(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	var in struct {
		Current string `json:"current_password"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if actor.SessionID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_session", "set up a second factor from a signed-in session")
	}
	setup, err := a.S.BeginTOTP(r.Context(), actor.PersonID, in.Current)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, setup)
	return nil
}

func (a *API) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	var in struct {
		Current string `json:"current_password"`
		Code    string `json:"code"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if actor.SessionID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_session", "set up a second factor from a signed-in session")
	}
	if err := a.S.ConfirmTOTP(r.Context(), actor.PersonID, in.Current, in.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// removeTOTP removes the signed-in person's second factor after checking
// their current password; their other sessions end, this one stays.
func (a *API) removeTOTP(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	var in struct {
		Current string `json:"current_password"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if actor.SessionID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_session", "remove the second factor from a signed-in session")
	}
	if err := a.S.RemoveOwnTOTP(r.Context(), actor.PersonID, actor.SessionID, in.Current); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) createOwnToken(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	var in struct {
		Name      string     `json:"name"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if actor.PersonID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_person", "a service token cannot make tokens")
	}
	if err := fromSession(r.Context()); err != nil {
		return err
	}
	t, secret, err := a.S.CreateTokenUntil(r.Context(), in.Name, actor.PersonID, in.ExpiresAt)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{"token": secret, "id": t.ID, "name": t.Name,
		"department_id": t.DepartmentID, "created_at": t.CreatedAt, "expires_at": t.ExpiresAt})
	return nil
}

// ownTokens lists the signed-in person's live tokens in the current
// department (never their secrets).
func (a *API) ownTokens(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	if actor.PersonID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_person", "a service token has no tokens of its own")
	}
	ts, err := a.S.OwnTokens(r.Context(), actor.PersonID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": ts})
	return nil
}

// revokeOwnToken revokes one of the signed-in person's tokens; another
// person's token is not found.
func (a *API) revokeOwnToken(w http.ResponseWriter, r *http.Request) error {
	actor, _ := access.ActorFrom(r.Context())
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.S.RevokeOwnToken(r.Context(), id, actor.PersonID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// fromSession refuses to make a token (a person's own or a service token)
// for a caller that is not a signed-in session: a leaked token must not
// outlive its revocation, or its person's disabling, through tokens it made.
func fromSession(ctx context.Context) error {
	if actor, _ := access.ActorFrom(ctx); actor.SessionID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_session", "make tokens from a signed-in session")
	}
	return nil
}

type passwordInput struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (a *API) accept(w http.ResponseWriter, r *http.Request) error {
	var in passwordInput
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	p, err := a.S.AcceptInvite(r.Context(), in.Token, in.Password)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (a *API) reset(w http.ResponseWriter, r *http.Request) error {
	var in passwordInput
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	p, err := a.S.ResetPassword(r.Context(), in.Token, in.Password)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, p)
	return nil
}

// resetRequest mails a reset link; it answers 202 whether or not the
// address has an account.
func (a *API) resetRequest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := a.S.SendReset(r.Context(), in.Email); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}
