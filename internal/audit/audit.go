// Package audit is in charge of writing the append-only audit log: every
// staff action that reads personal data in bulk, exports, erases or changes
// contacts, lists, campaigns, roles or settings, with the person (or
// token), department, client address, time, action and counts taken from
// the acting context.
package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
)

// Entry is one audit record. Actor, PersonID, DepartmentID and IP are
// filled from the context's actor when empty (the department from the
// context's scope first, then the actor's, then the default department).
type Entry struct {
	Actor        string
	PersonID     int64
	DepartmentID int64
	Action       string
	TargetKind   string
	TargetID     *int64
	Count        int64
	Cause        string
}

// Row runs QueryRow (a pool or a transaction).
type Row interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Write appends e, within q's transaction when q is one.
func Write(ctx context.Context, q Row, e Entry) error {
	a, _ := access.ActorFrom(ctx)
	if e.Actor == "" {
		e.Actor = a.Label()
	}
	if e.PersonID == 0 {
		e.PersonID = a.PersonID
	}
	if e.DepartmentID == 0 {
		e.DepartmentID = access.Department(ctx)
	}
	if e.DepartmentID == 0 {
		// Installation-wide work (staff accounts) runs unscoped; the
		// entry still belongs where the actor works, so that
		// department's auditors see it.
		e.DepartmentID = a.DepartmentID
	}
	if e.DepartmentID == 0 {
		e.DepartmentID = access.DefaultDepartment
	}
	var ip any
	if a.IP.IsValid() {
		ip = a.IP.String()
	}
	var person any
	if e.PersonID != 0 {
		person = e.PersonID
	}
	var id int64
	if err := q.QueryRow(ctx, `INSERT INTO audit_log (actor, action, target_kind, target_id, count, cause,
		person_id, department_id, ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		e.Actor, e.Action, e.TargetKind, e.TargetID, e.Count, e.Cause, person, e.DepartmentID, ip).Scan(&id); err != nil {
		return fmt.Errorf("audit: %s: %w", e.Action, err)
	}
	return nil
}

// CreatedID is the id of the object a POST to collection created, taken
// from the answer's Location: the new object's address directly under the
// collection ("/api/v1/campaigns" answered with "/api/v1/campaigns/42" is
// 42). Any other location (a job, a list of results) names no created
// object.
func CreatedID(collection, location string) (int64, bool) {
	rest, ok := strings.CutPrefix(location, strings.TrimSuffix(collection, "/")+"/")
	if !ok || rest == "" || strings.ContainsAny(rest, "/?#") {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}
