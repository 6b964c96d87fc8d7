package optin_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/optin"
)

// TestChangeRequestsHideHiddenAttributes: an attribute hidden by data
// minimisation that is also editable on the update page stays out of the
// change requests a marketer lists and decides (old and new value), while
// a reader who may see hidden attributes (the privacy export permission,
// as for contacts) gets it, and approving still applies it.
func TestChangeRequestsHideHiddenAttributes(t *testing.T) {
	t.Parallel()
	e := newFuEnv(t)
	ctx := context.Background()
	if _, err := e.db.Exec(ctx, `INSERT INTO hidden_attributes (key, hidden_by) VALUES ('birthday', 'test')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(ctx, `UPDATE contacts SET attributes = '{"birthday": "1990-01-01", "city": "Delft"}' WHERE id = $1`, e.ids["quiet"]); err != nil {
		t.Fatal(err)
	}
	rcp := optin.NewRecipients(e.db, e.cs, nil, optin.RecipientOptions{ApproveChanges: true, EditableAttributes: []string{"birthday", "city"}})
	who := optin.Who{IP: netip.MustParseAddr("192.0.2.1"), UserAgent: "test"}
	if _, err := rcp.SaveDetails(ctx, e.ids["quiet"], e.camp, optin.Details{Name: "quiet",
		Attributes: map[string]string{"birthday": "1991-02-02", "city": "Leiden"}}, who); err != nil {
		t.Fatal(err)
	}
	fields := func(cr optin.ChangeRequest) map[string]optin.FieldChange {
		m := map[string]optin.FieldChange{}
		for _, c := range cr.Changes {
			m[c.Field] = c
		}
		return m
	}
	find := func(role string) optin.ChangeRequest {
		var page httpapi.PageResponse[optin.ChangeRequest]
		if code := e.do(role, "GET", "/api/v1/change-requests?status=pending", nil, &page); code != 200 {
			t.Fatalf("%s lists change requests: %d", role, code)
		}
		for _, cr := range page.Items {
			if cr.ContactID == e.ids["quiet"] {
				return cr
			}
		}
		t.Fatalf("%s: no change request of the contact in %+v", role, page.Items)
		return optin.ChangeRequest{}
	}
	cr := find("marketer")
	if f := fields(cr); len(f) != 1 || f["attributes.city"].New != "Leiden" {
		t.Errorf("marketer sees changes %+v; want the city only, not the hidden birthday", cr.Changes)
	}
	if f := fields(find("admin")); f["attributes.birthday"] != (optin.FieldChange{Field: "attributes.birthday", Old: "1990-01-01", New: "1991-02-02"}) {
		t.Errorf("a reader allowed to see hidden attributes gets changes %+v; want the birthday too", f)
	}
	var decided optin.ChangeRequest
	if code := e.do("marketer", "POST", "/api/v1/change-requests/"+itoa(cr.ID)+"/approve", nil, &decided); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	if f := fields(decided); len(f) != 1 || decided.Status != optin.ChangeApproved {
		t.Errorf("approval answers changes %+v (status %s); want the city only", decided.Changes, decided.Status)
	}
	c, err := e.cs.Get(ctx, e.ids["quiet"])
	if err != nil {
		t.Fatal(err)
	}
	if c.Attributes["birthday"] != "1991-02-02" || c.Attributes["city"] != "Leiden" {
		t.Errorf("after approval: %v; want both changes applied", c.Attributes)
	}
}
