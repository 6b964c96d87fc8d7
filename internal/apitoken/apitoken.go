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
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
}

// Store keeps tokens in Postgres.
type Store struct{ db *pgxpool.Pool }

// NewStore returns a token store on db.
func NewStore(db *pgxpool.Pool) *Store { return &Store{db: db} }

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
	if name == "" || len(name) > 100 {
		return Token{}, "", errs.Invalid("name", "required, at most 100 characters")
	}
	if !ValidRole(role) {
		return Token{}, "", errs.Invalid("role", "must be one of admin, marketer, privacy, viewer")
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return Token{}, "", err
	}
	secret := "pb_" + base64.RawURLEncoding.EncodeToString(raw)
	var t Token
	err := s.db.QueryRow(ctx, `INSERT INTO api_tokens (name, role, token_hash) VALUES ($1, $2, $3)
		RETURNING id, name, role, created_at, last_used_at`, name, role, hash(secret)).
		Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &t.LastUsedAt)
	if err != nil {
		return Token{}, "", fmt.Errorf("apitoken: create: %w", err)
	}
	return t, secret, nil
}

// Lookup returns the live token for a secret, or ErrNotFound.
func (s *Store) Lookup(ctx context.Context, secret string) (Token, error) {
	var t Token
	err := s.db.QueryRow(ctx, `UPDATE api_tokens SET last_used_at = now()
		WHERE token_hash = $1 AND revoked_at IS NULL
		RETURNING id, name, role, created_at, last_used_at`, hash(secret)).
		Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &t.LastUsedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("apitoken: lookup: %w", err)
	}
	return t, nil
}

// List returns live tokens.
func (s *Store) List(ctx context.Context) ([]Token, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, role, created_at, last_used_at FROM api_tokens
		WHERE revoked_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("apitoken: list: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Token])
}

// Revoke stops a token from working.
func (s *Store) Revoke(ctx context.Context, id int64) error {
	tag, err := s.db.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
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

// RevokeName revokes every live token called name (a token re-created under
// the same name, e.g. by `make run`, replaces the old one).
func (s *Store) RevokeName(ctx context.Context, name string) error {
	if _, err := s.db.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL`, strings.TrimSpace(name)); err != nil {
		return fmt.Errorf("apitoken: revoke %q: %w", name, err)
	}
	return nil
}
