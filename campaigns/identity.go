package campaigns

import (
	"context"
	"fmt"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/identity"
	"github.com/postbode/postbode/templates"
)

// department is the department of campaign id, or (for a new campaign,
// id 0) the one ctx acts for.
func (s *Service) department(ctx context.Context, id int64) (int64, error) {
	if id == 0 {
		return identity.Dept(ctx), nil
	}
	var dept int64
	if err := s.db.QueryRow(access.Unscoped(ctx), `SELECT department_id FROM campaigns WHERE id = $1`, id).Scan(&dept); err != nil {
		return 0, fmt.Errorf("campaigns: department of %d: %w", id, err)
	}
	return dept, nil
}

// style is the installation's house style with department dept's
// organisation name, logo and colour where it has them.
func (s *Service) style(ctx context.Context, dept int64) (templates.Style, error) {
	st := s.opt.Style
	id, err := identity.Get(ctx, s.db, dept)
	if err != nil {
		return st, err
	}
	id.Apply(&st.OrgName, &st.LogoURL, &st.Primary)
	return st, nil
}
