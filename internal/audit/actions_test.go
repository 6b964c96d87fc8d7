package audit_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/testenv"
)

// TestActionsAreTheDatabases: the actions the filters offer and accept are
// exactly those the database lets the audit log hold, each once.
func TestActionsAreTheDatabases(t *testing.T) {
	pool := testenv.DB(t)
	var def string
	if err := pool.QueryRow(t.Context(), `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conname = 'audit_log_action_check'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	var db []string
	for _, m := range regexp.MustCompile(`'([a-z-]+)'`).FindAllStringSubmatch(def, -1) {
		db = append(db, m[1])
	}
	got := slices.Clone(audit.Actions)
	slices.Sort(got)
	slices.Sort(db)
	if len(db) < 30 || !slices.Equal(got, db) {
		t.Errorf("audit.Actions:\n%v\nthe database's audit_log_action_check:\n%v", got, db)
	}
	if len(slices.Compact(got)) != len(audit.Actions) {
		t.Errorf("an action is named twice: %v", audit.Actions)
	}
	if audit.Known("made-up") || !audit.Known("contact-create") {
		t.Error("Known does not follow Actions")
	}
}
