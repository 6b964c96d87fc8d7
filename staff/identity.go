package staff

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/identity"
)

// Identity returns department dept's sending identity (From domains and
// house style).
func (s *Service) Identity(ctx context.Context, dept int64) (identity.Identity, error) {
	return identity.Get(ctx, s.db, dept)
}

// SaveIdentity replaces a department's sending identity and audits it. A
// refused claim of a From domain (identity.CodeTaken, identity.CodeInUse)
// changes nothing and is audited too (domain-claim-refused, the code as
// cause), in the claiming department's log only.
func (s *Service) SaveIdentity(ctx context.Context, id identity.Identity) (identity.Identity, error) {
	err := pgx.BeginFunc(unscoped(ctx), s.db, func(tx pgx.Tx) error {
		var err error
		if id, err = identity.Save(ctx, tx, id); err != nil {
			return err
		}
		return audit.Write(unscoped(ctx), tx, audit.Entry{Action: "department-change", TargetKind: "department",
			TargetID: &id.DepartmentID, DepartmentID: id.DepartmentID, Cause: "identity"})
	})
	var e *errs.Error
	if errors.As(err, &e) && (e.Code == identity.CodeTaken || e.Code == identity.CodeInUse) {
		if aerr := audit.Write(unscoped(ctx), s.db, audit.Entry{Action: "domain-claim-refused", TargetKind: "department",
			TargetID: &id.DepartmentID, DepartmentID: id.DepartmentID, Count: 1, Cause: e.Code}); aerr != nil {
			return id, aerr
		}
	}
	return id, err
}

func (a *API) getIdentity(w http.ResponseWriter, r *http.Request) error {
	id, err := a.S.Identity(r.Context(), access.Department(r.Context()))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, id)
	return nil
}

func (a *API) putIdentity(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Domains      []string `json:"domains"`
		OrgName      string   `json:"org_name"`
		LogoURL      string   `json:"logo_url"`
		PrimaryColor string   `json:"primary_color"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	id, err := a.S.SaveIdentity(r.Context(), identity.Identity{DepartmentID: access.Department(r.Context()),
		Domains: in.Domains, OrgName: in.OrgName, LogoURL: in.LogoURL, PrimaryColor: in.PrimaryColor})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, id)
	return nil
}
