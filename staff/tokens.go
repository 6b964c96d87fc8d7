package staff

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// AuthenticateToken resolves an API token secret to its actor: a person's
// token acts with that person's role in the token's department (checked
// now, so a disabled person or a removed membership stops the token at
// once); a service token acts with its own role in its department.
func (s *Service) AuthenticateToken(ctx context.Context, secret string, ip netip.Addr) (access.Actor, error) {
	ctx = unscoped(ctx)
	t, err := s.tokens.Lookup(ctx, secret)
	if errors.Is(err, apitoken.ErrNotFound) {
		return access.Actor{}, ErrUnauthenticated
	}
	if err != nil {
		return access.Actor{}, err
	}
	var a access.Actor
	if t.PersonID != nil {
		if a, err = s.actor(ctx, *t.PersonID, t.DepartmentID, ip); err != nil {
			return a, err
		}
	} else {
		a = access.Actor{DepartmentID: t.DepartmentID, Role: t.Role}
		if err := s.serviceAllowed(ctx, t.DepartmentID, ip); err != nil {
			return a, err
		}
		if a.Perms, err = s.rolePermissions(ctx, s.db, t.Role, t.DepartmentID); err != nil {
			return a, err
		}
	}
	a.TokenID, a.TokenName, a.IP = t.ID, t.Name, ip
	return a, nil
}

// CreateToken makes an API token that acts for a person in the department
// of ctx, with their role there (checked at each use), until revoked.
func (s *Service) CreateToken(ctx context.Context, name string, personID int64) (apitoken.Token, string, error) {
	return s.CreateTokenUntil(ctx, name, personID, nil)
}

// CreateTokenUntil is CreateToken with an optional expiry (nil: none; see
// apitoken.Store.CreateForPerson). The secret is returned only now and is
// never stored, logged or audited: the audit entry names the token's id.
func (s *Service) CreateTokenUntil(ctx context.Context, name string, personID int64, expires *time.Time) (apitoken.Token, string, error) {
	t, secret, err := s.tokens.CreateForPerson(ctx, name, personID, expires)
	if err != nil {
		return t, "", err
	}
	return t, secret, audit.Write(ctx, s.db, audit.Entry{Action: "token-create", TargetKind: "token", TargetID: &t.ID})
}

// OwnTokens returns the live tokens acting for a person in the department
// of ctx (the person's own list; a token works in one department).
func (s *Service) OwnTokens(ctx context.Context, personID int64) ([]apitoken.Token, error) {
	return s.tokens.ListForPerson(ctx, personID)
}

// RevokeOwnToken revokes a token of the person's own: a token of someone
// else is not found (administrators revoke those with RevokeToken).
func (s *Service) RevokeOwnToken(ctx context.Context, id, personID int64) error {
	if personID == 0 {
		return apitoken.ErrNotFound
	}
	if err := s.tokens.RevokeForPerson(ctx, id, personID); err != nil {
		return err
	}
	return audit.Write(ctx, s.db, audit.Entry{Action: "token-revoke", TargetKind: "token", TargetID: &id})
}

func (s *Service) serviceAllowed(ctx context.Context, deptID int64, ip netip.Addr) error {
	var allow []netip.Prefix
	if err := s.db.QueryRow(ctx, `SELECT allow_cidrs FROM departments WHERE id = $1`, deptID).Scan(&allow); err != nil {
		return notFound(err, ErrUnauthenticated)
	}
	return checkAllowed(ip, allow)
}

// tokenScopes is what each token may do: for a person's token, the
// permissions its owner holds (in every department, as for the other
// actions on a person); for a service token, those of its role in its
// department.
func (s *Service) tokenScopes(ctx context.Context, toks []apitoken.Token) (map[int64]access.Set, error) {
	var owners []int64
	for _, t := range toks {
		if t.PersonID != nil {
			owners = append(owners, *t.PersonID)
		}
	}
	var persons map[int64]access.Set
	if len(owners) > 0 {
		var err error
		if persons, err = personsPermissions(ctx, s.db, owners, 0); err != nil {
			return nil, err
		}
	}
	out := map[int64]access.Set{}
	for _, t := range toks {
		if t.PersonID != nil {
			out[t.ID] = persons[*t.PersonID]
			continue
		}
		ps, err := s.rolePermissions(ctx, s.db, t.Role, t.DepartmentID)
		if err != nil {
			return nil, err
		}
		out[t.ID] = ps
	}
	return out, nil
}

// UnreachableTokens returns which of toks the actor of ctx may not revoke
// (the rule of RevokeToken), so a screen offers only what the service does.
func (s *Service) UnreachableTokens(ctx context.Context, toks []apitoken.Token) (map[int64]bool, error) {
	out := map[int64]bool{}
	if _, ok := access.ActorFrom(ctx); !ok || len(toks) == 0 {
		return out, nil
	}
	scopes, err := s.tokenScopes(ctx, toks)
	if err != nil {
		return nil, err
	}
	for id, ps := range scopes {
		if beyondOwn(ctx, ps) != "" {
			out[id] = true
		}
	}
	return out, nil
}

// RevokeToken stops a token of ctx's department from working. Like the
// other actions on a person (reachable), it is refused when the token may
// do something the actor may not: its owner holds a permission the actor
// lacks, or, for a service token, its role has one. Someone who may manage
// people but not everything cannot cut off an administrator's programs.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	t, err := s.tokens.Get(ctx, id)
	if err != nil {
		return err
	}
	if _, ok := access.ActorFrom(ctx); ok {
		scopes, err := s.tokenScopes(ctx, []apitoken.Token{t})
		if err != nil {
			return err
		}
		if p := beyondOwn(ctx, scopes[t.ID]); p != "" {
			return errs.Forbidden("beyond_own_permissions",
				fmt.Sprintf("this token may use the permission %s, which you do not hold; ask someone who holds it", p))
		}
	}
	return s.tokens.Revoke(ctx, id)
}
