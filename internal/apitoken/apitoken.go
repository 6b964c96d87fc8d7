// Package apitoken is in charge of the admin API's bearer tokens: creating
// them (shown once), storing only their SHA-256, looking them up, revoking.
package apitoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
)

// Roles, in the order of the brief. Admin may do everything.
const (
	RoleAdmin    = "admin"
	RoleMarketer = "marketer"
	RolePrivacy  = "privacy"
	RoleViewer   = "viewer"
)

// Roles lists every valid role.
var Roles = []string{RoleAdmin, RoleMarketer, RolePrivacy, RoleViewer}

// ErrNotFound is returned for an unknown or revoked token id.
var ErrNotFound = errs.NotFound("token_not_found", "API token not found")

// Token is a stored token's metadata (never the secret).
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	// PersonID is the person the token acts for (with their role in
	// DepartmentID); nil for a service token, which has Role.
	PersonID     *int64 `json:"person_id"`
	DepartmentID int64  `json:"department_id"`
	// ExpiresAt is when the token stops working (nil: when revoked).
	ExpiresAt *time.Time `json:"expires_at"`
}

const cols = `id, name, role, created_at, last_used_at, person_id, department_id, expires_at`

// MaxLifetime bounds how far ahead a token's expiry may be.
const MaxLifetime = 5 * 366 * 24 * time.Hour

// Store keeps tokens in Postgres.
type Store struct{ db *db.Pool }

// NewStore returns a token store on db.
func NewStore(db *db.Pool) *Store { return &Store{db: db} }

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Create makes a token with a role and returns its metadata and the secret,
// which is shown only now.
func (s *Store) Create(ctx context.Context, name, role string) (Token, string, error) {
	name = strings.TrimSpace(name)
	if err := validName(name); err != nil {
		return Token{}, "", err
	}
	if !ValidRole(role) {
		return Token{}, "", errs.Invalid("role", "must be one of admin, marketer, privacy, viewer")
	}
	return s.create(ctx, name, role, nil, nil)
}

// CreateForPerson makes a token acting for a person in the department of
// ctx (their role there, checked at each use). expires is optional (nil:
// the token works until revoked); it must lie in the future and at most
// MaxLifetime ahead.
func (s *Store) CreateForPerson(ctx context.Context, name string, personID int64, expires *time.Time) (Token, string, error) {
	name = strings.TrimSpace(name)
	if err := validName(name); err != nil {
		return Token{}, "", err
	}
	if expires != nil {
		if now := time.Now(); !expires.After(now) {
			return Token{}, "", errs.Invalid("expires_at", "must be in the future")
		} else if expires.After(now.Add(MaxLifetime)) {
			return Token{}, "", errs.Invalid("expires_at", "must be at most 5 years ahead")
		}
	}
	return s.create(ctx, name, "", &personID, expires)
}

// validName checks a token's name: required, and a name like every other
// (errs.Name: one line of at most errs.NameMax characters).
func validName(name string) error {
	if name == "" {
		return errs.Invalid("name", "required")
	}
	return errs.Name("name", name)
}

func (s *Store) create(ctx context.Context, name, role string, personID *int64, expires *time.Time) (Token, string, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return Token{}, "", err
	}
	secret := "pb_" + base64.RawURLEncoding.EncodeToString(raw)
	rows, err := s.db.Query(ctx, `INSERT INTO api_tokens (name, role, token_hash, person_id, expires_at) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+cols, name, role, hash(secret), personID, expires)
	if err != nil {
		return Token{}, "", fmt.Errorf("apitoken: create: %w", err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Token])
	if err != nil {
		return Token{}, "", fmt.Errorf("apitoken: create: %w", err)
	}
	return t, secret, nil
}

// live is the condition of a token that works: not revoked, not expired.
const live = `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`

// Lookup returns the live token for a secret, or ErrNotFound. It looks in
// every department: run it with an unscoped context.
func (s *Store) Lookup(ctx context.Context, secret string) (Token, error) {
	rows, err := s.db.Query(ctx, `UPDATE api_tokens SET last_used_at = now()
		WHERE token_hash = $1 AND `+live+` RETURNING `+cols, hash(secret))
	if err != nil {
		return Token{}, fmt.Errorf("apitoken: lookup: %w", err)
	}
	return one(rows, "lookup")
}

// List returns live tokens (of the department of ctx).
func (s *Store) List(ctx context.Context) ([]Token, error) {
	return s.ListForPerson(ctx, 0)
}

// ListForPerson returns the live tokens acting for a person (of the
// department of ctx); personID 0 lists every live token.
func (s *Store) ListForPerson(ctx context.Context, personID int64) ([]Token, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM api_tokens
		WHERE `+live+` AND ($1 = 0 OR person_id = $1) ORDER BY id`, personID)
	if err != nil {
		return nil, fmt.Errorf("apitoken: list: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Token])
}

// Get returns a live token (of the department of ctx), or ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Token, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM api_tokens WHERE id = $1 AND `+live, id)
	if err != nil {
		return Token{}, fmt.Errorf("apitoken: get: %w", err)
	}
	return one(rows, "get")
}

// one collects the single token of rows, or ErrNotFound.
func one(rows pgx.Rows, op string) (Token, error) {
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Token])
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("apitoken: %s: %w", op, err)
	}
	return t, nil
}

// Revoke stops a token from working. Callers acting for someone check
// first whether they may (staff.Service.RevokeToken).
func (s *Store) Revoke(ctx context.Context, id int64) error {
	return s.RevokeForPerson(ctx, id, 0)
}

// RevokeForPerson is Revoke of a token that acts for personID (0: any);
// a token of someone else is not found.
func (s *Store) RevokeForPerson(ctx context.Context, id, personID int64) error {
	tag, err := s.db.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND `+live+`
		AND ($2 = 0 OR person_id = $2)`, id, personID)
	if err != nil {
		return fmt.Errorf("apitoken: revoke: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// AuthenticateToken resolves a service token to its actor (a shipped role
// in the token's department). Tokens of persons and custom roles need the
// staff service, which the daemon uses instead.
func (s *Store) AuthenticateToken(ctx context.Context, secret string, ip netip.Addr) (access.Actor, error) {
	t, err := s.Lookup(access.Unscoped(ctx), secret)
	if err != nil {
		return access.Actor{}, err
	}
	perms, ok := access.Shipped[t.Role]
	if t.PersonID != nil || !ok {
		return access.Actor{}, ErrNotFound
	}
	return access.Actor{TokenID: t.ID, TokenName: t.Name, DepartmentID: t.DepartmentID, Role: t.Role,
		Perms: access.NewSet(perms...), IP: ip}, nil
}

// RevokeName revokes every live token called name (a token re-created under
// the same name, e.g. by `make run`, replaces the old one).
func (s *Store) RevokeName(ctx context.Context, name string) error {
	if _, err := s.db.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL`, strings.TrimSpace(name)); err != nil {
		return fmt.Errorf("apitoken: revoke %q: %w", name, err)
	}
	return nil
}
