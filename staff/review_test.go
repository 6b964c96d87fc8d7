package staff_test

import (
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestReview_RoleMadeInAnotherDepartment: a custom role saved by the
// default department and not yet given to anyone is redefined by the
// administrator of another department (SaveRole's heldElsewhere only looks
// at memberships and tokens). The default department's administrator then
// invites someone with what they believe is a read-only role and gives
// away users.manage. A custom role must belong to the department that made
// it (or be refused from another department).
func TestReview_RoleMadeInAnotherDepartment(t *testing.T) {
	f := newFixture(t, staff.Options{})
	inDefault := access.WithDepartment(t.Context(), 1)
	if _, err := f.svc.SaveRole(inDefault, "readers", "", []access.Permission{access.ListsRead}); err != nil {
		t.Fatal(err)
	}
	other := f.person("other@example.org", "viewer")
	d := f.adminOfSales(other.ID)
	inSales := access.WithDepartment(t.Context(), d.ID)
	if _, err := f.svc.SaveRole(inSales, "readers", "", []access.Permission{access.ListsRead, access.UsersManage}); err == nil {
		t.Fatal("the sales administrator redefined the default department's role \"readers\" (now with users.manage)")
	}
}
