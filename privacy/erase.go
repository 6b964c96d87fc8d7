package privacy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
)

type colInfo struct {
	nullable bool
	typ      string // information_schema data_type
}

// columns loads the type and nullability of every column, once: a failed
// load (e.g. a cancelled context) is not kept, the next call tries again.
func (s *Service) columns(ctx context.Context) (map[string]map[string]colInfo, error) {
	s.colsMu.Lock()
	defer s.colsMu.Unlock()
	if s.cols != nil {
		return s.cols, nil
	}
	rows, err := s.db.Query(ctx, `SELECT table_name, column_name, is_nullable = 'YES', data_type
		FROM information_schema.columns WHERE table_schema = current_schema()`)
	if err != nil {
		return nil, fmt.Errorf("privacy: read schema: %w", err)
	}
	defer rows.Close()
	m := map[string]map[string]colInfo{}
	for rows.Next() {
		var t, c string
		var ci colInfo
		if err := rows.Scan(&t, &c, &ci.nullable, &ci.typ); err != nil {
			return nil, fmt.Errorf("privacy: read schema: %w", err)
		}
		if m[t] == nil {
			m[t] = map[string]colInfo{}
		}
		m[t][c] = ci
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("privacy: read schema: %w", err)
	}
	s.cols = m
	return m, nil
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// matchSQL is the WHERE clause finding a registered table's rows of the
// contacts (ids, their lower-cased addresses and the keyed hashes of those),
// with its arguments. A row tied to another contact is that contact's, not
// found by the address: one address can be a contact in several
// departments, and each department's export and erasure reach only its own.
// depts are the contacts' departments, in the order of emails.
func matchSQL(p db.PersonalTable, ids []int64, emails []string, depts []int64, hashes [][]byte) (string, []any) {
	var or, byAddress []string
	var args []any
	if p.ContactColumn != "" {
		args = append(args, ids)
		or = append(or, fmt.Sprintf("%s = ANY($%d::bigint[])", ident(p.ContactColumn), len(args)))
	}
	switch {
	case p.EmailColumn != "" && p.DepartmentColumn != "":
		args = append(args, emails, depts)
		byAddress = append(byAddress, fmt.Sprintf("(lower(%s), %s) IN (SELECT * FROM unnest($%d::text[], $%d::bigint[]))",
			ident(p.EmailColumn), ident(p.DepartmentColumn), len(args)-1, len(args)))
	case p.EmailColumn != "":
		args = append(args, emails)
		byAddress = append(byAddress, fmt.Sprintf("lower(%s) = ANY($%d::text[])", ident(p.EmailColumn), len(args)))
	}
	if p.HashColumn != "" {
		args = append(args, hashes)
		byAddress = append(byAddress, fmt.Sprintf("%s && $%d::bytea[]", ident(p.HashColumn), len(args)))
	}
	if len(byAddress) > 0 {
		cond := "(" + strings.Join(byAddress, " OR ") + ")"
		if p.ContactColumn != "" {
			cond = "(" + cond + " AND " + ident(p.ContactColumn) + " IS NULL)"
		}
		or = append(or, cond)
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}

// Erase erases one contact: every row of every registered personal-data
// table is deleted or anonymised, the contact is deleted, and the blocklist
// keeps only the keyed hash of its address when it was blocklisted or
// complained and retention.keep_suppression_hash is on — all in one
// transaction, with an audit entry. Then the purge hooks clear Redis.
// cause is one of Causes; actor names who asked (for the audit log).
func (s *Service) Erase(ctx context.Context, contactID int64, cause, actor string) error {
	return s.EraseOnGround(ctx, contactID, cause, "", actor)
}

// Grounds are the grounds for erasure staff record with a request
// (GDPR Art. 17(1)): the audit entry's cause is "request/<ground>".
var Grounds = []string{"request", "no-longer-needed", "consent-withdrawn", "objection", "unlawful", "legal-obligation"}

// EraseOnGround is Erase with the ground staff gave (one of Grounds, or ""
// for none), kept in the audit log.
func (s *Service) EraseOnGround(ctx context.Context, contactID int64, cause, ground, actor string) error {
	if !validCause(cause) {
		return errs.Invalid("cause", "must be one of "+strings.Join(Causes, ", "))
	}
	audited := cause
	if ground != "" {
		if !slices.Contains(Grounds, ground) {
			return errs.Invalid("ground", "must be one of "+strings.Join(Grounds, ", "))
		}
		audited = cause + "/" + ground
	}
	var ids []int64
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := s.errOnHoldFor(ctx, tx, contactID); err != nil {
			return err
		}
		var err error
		ids, err = s.EraseTx(ctx, tx, []int64{contactID})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return contacts.ErrNotFound
		}
		return writeAudit(ctx, tx, Entry{Actor: actor, Action: ActionErase, TargetKind: "contact", Count: 1, Cause: audited})
	})
	if err != nil {
		return err
	}
	s.erasures.WithLabelValues(cause).Add(float64(len(ids)))
	s.log.Info("contact erased", "contact_id", contactID, "cause", cause)
	return s.runHooks(ctx, ids)
}

// EraseEmail erases the contact with this address (any case).
func (s *Service) EraseEmail(ctx context.Context, email, cause, actor string) (int64, error) {
	c, err := s.opt.Contacts.GetByEmail(ctx, email)
	if err != nil {
		return 0, err
	}
	return c.ID, s.Erase(ctx, c.ID, cause, actor)
}

// EraseTx erases the given contacts inside tx (locking their rows) and
// returns the ids that existed and were erased. It writes no audit entry and
// runs no purge hooks: callers do (see Erase and the janitor).
func (s *Service) EraseTx(ctx context.Context, tx pgx.Tx, ids []int64) ([]int64, error) {
	cols, err := s.columns(ctx)
	if err != nil {
		return nil, err
	}
	type victim struct {
		ID         int64
		Email      string
		Department int64
		Suppressed bool
	}
	rows, err := tx.Query(ctx, `SELECT c.id, c.email, c.department_id, (c.status = 'blocklisted' OR EXISTS (
			SELECT 1 FROM consent_records r WHERE r.contact_id = c.id AND r.source = 'complaint'))
		FROM contacts c WHERE c.id = ANY($1) AND NOT `+heldSQL+` ORDER BY c.id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("privacy: erase: lock contacts: %w", err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[victim])
	if err != nil {
		return nil, fmt.Errorf("privacy: erase: lock contacts: %w", err)
	}
	if len(vs) == 0 {
		return nil, nil
	}
	found := make([]int64, len(vs))
	emails := make([]string, len(vs))
	depts := make([]int64, len(vs))
	var keep, drop, hashes [][]byte
	var keepDepts, dropDepts []int64
	for i, v := range vs {
		found[i] = v.ID
		emails[i] = strings.ToLower(v.Email)
		depts[i] = v.Department
		h := s.opt.Contacts.Hash(v.Email)
		hashes = append(hashes, h)
		if v.Suppressed && s.opt.KeepSuppressionHash {
			keep, keepDepts = append(keep, h), append(keepDepts, v.Department)
		} else {
			drop, dropDepts = append(drop, h), append(dropDepts, v.Department)
		}
	}
	for _, p := range db.PersonalTables {
		if p.Table == "contacts" {
			continue
		}
		var q string
		where, args := matchSQL(p, found, emails, depts, hashes)
		switch p.Erase {
		case "delete":
			q = `DELETE FROM ` + ident(p.Table) + ` WHERE ` + where
		case "anonymise":
			var set []string
			tcols := cols[p.Table]
			for _, c := range append([]string{p.ContactColumn, p.EmailColumn}, p.Columns...) {
				if c == "" {
					continue
				}
				if tcols[c].nullable {
					set = append(set, ident(c)+" = NULL")
				} else {
					set = append(set, ident(c)+" = DEFAULT")
				}
			}
			q = `UPDATE ` + ident(p.Table) + ` SET ` + strings.Join(set, ", ") + ` WHERE ` + where
		default:
			return nil, fmt.Errorf("privacy: erase: table %s: unknown Erase mode %q", p.Table, p.Erase)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return nil, fmt.Errorf("privacy: erase: table %s: %w", p.Table, err)
		}
	}
	// Evidence tied to no contact that names an address is found by it in
	// every department (migration 210), as the raw mail is: it is filed
	// under each department holding a contact of the address (migration
	// 400), and before that under the default department, out of sight of
	// another department's scope.
	if _, err := tx.Exec(ctx, `SELECT postbode_erase_evidence($1)`, emails); err != nil {
		return nil, fmt.Errorf("privacy: erase: evidence: %w", err)
	}
	// The suppression list of each contact's department: the hash alone
	// stays for blocklisted or complaining contacts (so a re-import into
	// that department is refused), else the entry goes. Other departments'
	// entries for the same address are theirs and stay.
	if len(drop) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM blocklist WHERE (email_hash, department_id) IN
			(SELECT * FROM unnest($1::bytea[], $2::bigint[]))`, drop, dropDepts); err != nil {
			return nil, fmt.Errorf("privacy: erase: blocklist: %w", err)
		}
	}
	if len(keep) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO blocklist (email_hash, department_id, reason)
			SELECT h, d, 'complaint' FROM unnest($1::bytea[], $2::bigint[]) AS k (h, d) ON CONFLICT (department_id, email_hash) DO NOTHING`, keep, keepDepts); err != nil {
			return nil, fmt.Errorf("privacy: erase: blocklist: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM contacts WHERE id = ANY($1)`, found); err != nil {
		return nil, fmt.Errorf("privacy: erase: contacts: %w", err)
	}
	return found, nil
}
