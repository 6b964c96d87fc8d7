package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
)

// Export is everything held on one contact: per registered personal-data
// table (db.PersonalTables) the contact's rows with every registered column,
// plus who holds the data and the names of the lists and mailings the rows
// refer to. The text of received mail found only by the contact's address
// is left out (db.PersonalTable.Unverified, WithheldKey). Its JSON form is the portable export (GDPR art. 20), described by
// the JSON Schema ExportSchema (version ExportSchemaVersion).
type Export struct {
	// SchemaVersion is ExportSchemaVersion.
	SchemaVersion int `json:"schema_version"`
	// Schema names the JSON Schema document of this version.
	Schema      string                     `json:"schema"`
	ContactID   int64                      `json:"contact_id"`
	GeneratedAt time.Time                  `json:"generated_at"`
	Controller  Controller                 `json:"controller"`
	References  References                 `json:"references"`
	Tables      map[string]json.RawMessage `json:"tables"`

	houseColour string
}

// exportColumns are the columns exported for a table, in registry order.
func exportColumns(p db.PersonalTable) []string {
	var cols []string
	seen := map[string]bool{}
	for _, c := range append(append([]string{p.ContactColumn, p.EmailColumn}, p.Columns...), p.OtherColumns...) {
		if c != "" && !seen[c] {
			seen[c] = true
			cols = append(cols, c)
		}
	}
	return cols
}

// exportObjectSQL is the json_build_object arguments of one exported row
// of table p for contactID: every export column, except that on a row not
// linked to the contact (found only by address) the columns of
// p.Unverified are null and the row's "withheld" key names them (null on
// a linked row). margs are the statement's arguments, to which the
// contact's id is added.
func exportObjectSQL(p db.PersonalTable, contactID int64, margs []any) ([]string, []any) {
	cols := exportColumns(p)
	args := make([]string, 0, 2*len(cols)+2)
	linked := ""
	if len(p.Unverified) > 0 {
		margs = append(margs, contactID)
		linked = fmt.Sprintf("t.%s = $%d::bigint", ident(p.ContactColumn), len(margs))
	}
	for _, c := range cols {
		v := "t." + ident(c)
		if slices.Contains(p.Unverified, c) {
			v = "CASE WHEN " + linked + " THEN " + v + " END"
		}
		args = append(args, "'"+c+"'", v)
	}
	if linked != "" {
		quoted := make([]string, len(p.Unverified))
		for i, c := range p.Unverified {
			quoted[i] = "'" + c + "'"
		}
		args = append(args, "'"+WithheldKey+"'", "CASE WHEN "+linked+" THEN NULL ELSE to_json(ARRAY["+strings.Join(quoted, ", ")+"]) END")
	}
	return args, margs
}

// WithheldKey is the key of an exported row that names the columns left
// out because the row was found only by the contact's address
// (db.PersonalTable.Unverified).
const WithheldKey = "withheld"

// Export reads every registered table's rows of the contact (one repeatable
// read snapshot) and writes an audit entry for actor.
func (s *Service) Export(ctx context.Context, contactID int64, actor, format string) (Export, error) {
	ex := Export{SchemaVersion: ExportSchemaVersion, Schema: ExportSchemaID, ContactID: contactID,
		GeneratedAt: time.Now().UTC(), Controller: s.controller(), Tables: map[string]json.RawMessage{},
		houseColour: s.opt.HouseColour}
	err := pgx.BeginTxFunc(ctx, s.reads, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var email string
		var dept int64
		if err := tx.QueryRow(ctx, `SELECT email, department_id FROM contacts WHERE id = $1`, contactID).Scan(&email, &dept); err != nil {
			if err == pgx.ErrNoRows {
				return contacts.ErrNotFound
			}
			return fmt.Errorf("privacy: export: %w", err)
		}
		for _, p := range db.PersonalTables {
			where, margs := matchSQL(p, []int64{contactID}, []string{strings.ToLower(email)}, []int64{dept}, [][]byte{s.opt.Contacts.Hash(email)})
			args, margs := exportObjectSQL(p, contactID, margs)
			order := ""
			if p.ContactColumn == "id" {
				order = " ORDER BY t.id"
			}
			q := `SELECT coalesce(json_agg(json_build_object(` + strings.Join(args, ", ") + `)` + order + `), '[]'::json)
				FROM ` + ident(p.Table) + ` t WHERE ` + where
			var raw []byte
			if err := tx.QueryRow(ctx, q, margs...).Scan(&raw); err != nil {
				return fmt.Errorf("privacy: export: table %s: %w", p.Table, err)
			}
			ex.Tables[p.Table] = raw
		}
		var err error
		ex.References, err = readReferences(ctx, tx, ex.Tables)
		return err
	})
	if err != nil {
		return ex, err
	}
	id := contactID
	if err := s.Audit(ctx, Entry{Actor: actor, Action: ActionExport, TargetKind: "contact", TargetID: &id, Count: 1, Cause: format}); err != nil {
		return ex, err
	}
	return ex, nil
}
