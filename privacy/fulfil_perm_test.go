package privacy_test

import (
	"errors"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/privacy"
)

// TestFulfilTakesThePermissionOfWhatItDoes: a custom role with
// privacy.requests but not privacy.erase cannot erase a contact by
// fulfilling an erasure request, nor export one without privacy.export by
// fulfilling an access request; the request stays open and the contact
// stays. With the permission the same call fulfils it.
func TestFulfilTakesThePermissionOfWhatItDoes(t *testing.T) {
	t.Parallel()
	e, _, _ := requestEnv(t, privacy.Options{})
	ctx := t.Context()
	campaignID, listID := seedCampaign(t, e.fixture)
	for _, c := range []struct {
		kind string
		need access.Permission
	}{{"erasure", access.PrivacyErase}, {"access", access.PrivacyExport}} {
		s := seedSubject(t, e.fixture, c.kind, campaignID, listID)
		if err := e.svc.RequestForContact(ctx, s.ID, c.kind, "", "", "", ""); err != nil {
			t.Fatal(err)
		}
		open, err := e.svc.ListRequests(ctx, "open", c.kind, 0, 10)
		if err != nil || len(open) != 1 {
			t.Fatalf("open %s requests %+v, %v", c.kind, open, err)
		}
		without := access.WithActor(ctx, access.Actor{TokenID: 1, Role: "requests only", Perms: access.NewSet(access.PrivacyRequests)})
		_, err = e.svc.FulfilNote(without, open[0].ID, "token:1", "")
		var ee *errs.Error
		if !errors.As(err, &ee) || ee.Kind != errs.KindForbidden {
			t.Fatalf("%s fulfilled without %s: %v", c.kind, c.need, err)
		}
		if _, err := e.cs.Get(ctx, s.ID); err != nil {
			t.Errorf("%s: contact after a refused fulfil: %v", c.kind, err)
		}
		if still, _ := e.svc.ListRequests(ctx, "open", c.kind, 0, 10); len(still) != 1 {
			t.Errorf("%s: open requests after a refused fulfil: %+v", c.kind, still)
		}
		with := access.WithActor(ctx, access.Actor{TokenID: 1, Role: "requests", Perms: access.NewSet(access.PrivacyRequests, c.need)})
		if r, err := e.svc.FulfilNote(with, open[0].ID, "token:1", ""); err != nil || r.Status != "done" {
			t.Fatalf("%s fulfilled with %s: %+v %v", c.kind, c.need, r, err)
		}
		if c.kind == "erasure" {
			if _, err := e.cs.Get(ctx, s.ID); !errors.Is(err, contacts.ErrNotFound) {
				t.Errorf("contact after erasure: %v", err)
			}
		}
	}
}
