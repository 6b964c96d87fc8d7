package optin_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/optin"
)

// TestFormOptOutStaysAfterImportAndExpiry: a stranger's subscribe form
// for an address that left a list leaves the subscription waiting for the
// contact's confirmation link. Nothing but that link may end the opt-out:
// an import to the list (which leaves every unsubscribe alone) does not
// confirm it, and when the link is never followed the subscription is the
// opt-out again, not removed (a removed one would let the next import
// subscribe the address anew).
func TestFormOptOutStaysAfterImportAndExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	list := e.createList("news", "single")
	var c struct{ ID int64 }
	e.mustStatus(201, "marketer", "POST", "/api/v1/contacts", map[string]any{"email": "left@example.org", "name": "Left",
		"lists": []string{"news"}, "consent": map[string]any{"source": "api", "purpose": "x"}}, &c)
	e.mustStatus(200, "marketer", "POST", fmt.Sprintf("/api/v1/contacts/%d/unsubscribe", c.ID), map[string]any{}, nil)
	rcp := optin.NewRecipients(e.db, contacts.NewStore(e.db, testSecret, 2), nil, optin.RecipientOptions{})
	status := func() string {
		var s string
		if err := e.db.QueryRow(t.Context(), `SELECT status FROM subscriptions WHERE contact_id = $1 AND list_id = $2`, c.ID, list).Scan(&s); err != nil {
			return err.Error()
		}
		return s
	}
	if _, err := rcp.FormSubscribe(t.Context(), list, "left@example.org", "", optin.Who{}, "stranger"); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != "unconfirmed" {
		t.Fatalf("after the form: %s, want unconfirmed", got)
	}
	if j := e.upload("source=import&purpose=news&lists=news&confirmed=true", "text/csv", strings.NewReader("email\nleft@example.org\n")); j.Status != "done" {
		t.Fatalf("import: %+v", j)
	}
	if got := status(); got != "unconfirmed" {
		t.Errorf("after an import: %s, want unconfirmed (the opt-out waits for the link)", got)
	}
	if _, err := e.db.Exec(t.Context(), `UPDATE subscriptions SET updated_at = now() - interval '30 days' WHERE contact_id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rcp.ExpireUnconfirmed(t.Context(), 7*24*time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != "unsubscribed" {
		t.Errorf("after the link expired: %s, want unsubscribed again", got)
	}
	if j := e.upload("source=import&purpose=news&lists=news", "text/csv", strings.NewReader("email\nleft@example.org\n")); j.Status != "done" {
		t.Fatalf("import: %+v", j)
	}
	if got := status(); got != "unsubscribed" {
		t.Errorf("after a second import: %s, want unsubscribed", got)
	}
}
