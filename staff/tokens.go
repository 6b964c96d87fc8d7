package staff

import (
	"context"
	"errors"
	"net/netip"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/audit"
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
// of ctx, with their role there (checked at each use).
func (s *Service) CreateToken(ctx context.Context, name string, personID int64) (apitoken.Token, string, error) {
	t, secret, err := s.tokens.CreateForPerson(ctx, name, personID)
	if err != nil {
		return t, "", err
	}
	return t, secret, audit.Write(ctx, s.db, audit.Entry{Action: "token-create", TargetKind: "token", TargetID: &t.ID})
}

func (s *Service) serviceAllowed(ctx context.Context, deptID int64, ip netip.Addr) error {
	var allow []netip.Prefix
	if err := s.db.QueryRow(ctx, `SELECT allow_cidrs FROM departments WHERE id = $1`, deptID).Scan(&allow); err != nil {
		return notFound(err, ErrUnauthenticated)
	}
	return checkAllowed(ip, allow)
}
