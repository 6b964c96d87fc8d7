package contacts_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
)

// TestPatchContactMergesAttributes: PATCH /contacts/{id} is a merge patch.
// Attributes are merged key by key: keys not named stay (a hidden attribute
// the marketer cannot see survives their change), null removes a key; a null
// address is refused naming the field instead of being ignored.
func TestPatchContactMergesAttributes(t *testing.T) {
	e := newAPIEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	c, err := e.cs.Create(ctx, contacts.New{Email: "ann@example.org", Name: "Ann", Source: "api",
		Attributes: map[string]any{"city": "Delft", "size": "M", "birthday": "1990-01-01"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.DB.Exec(ctx, `INSERT INTO hidden_attributes (key, hidden_by) VALUES ('birthday', 'test')`); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/contacts/" + strconv.FormatInt(c.ID, 10)
	code, raw := e.do("marketer", "PATCH", path, `{"attributes":{"city":"Leiden","size":null}}`)
	if code != 200 || strings.Contains(raw, "birthday") {
		t.Fatalf("patch: %d %s", code, raw)
	}
	got, err := e.cs.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attributes["city"] != "Leiden" || got.Attributes["birthday"] != "1990-01-01" || got.Name != "Ann" {
		t.Fatalf("after patch: %+v", got)
	}
	if _, ok := got.Attributes["size"]; ok {
		t.Fatalf("size null was not removed: %v", got.Attributes)
	}
	many := make([]string, 99)
	for i := range many {
		many[i] = `"k` + strconv.Itoa(i) + `":1`
	}
	if code, raw := e.do("marketer", "PATCH", path, `{"attributes":{`+strings.Join(many, ",")+`}}`); code != 422 || !strings.Contains(raw, `"field":"attributes"`) {
		t.Fatalf("merge beyond 100 keys: %d %s", code, raw)
	}
	if code, raw := e.do("marketer", "PATCH", path, `{"email":null}`); code != 422 || !strings.Contains(raw, `"field":"email"`) {
		t.Fatalf("null email: %d %s", code, raw)
	}
}

// TestPatchThatChangesNothingWritesNothing: an empty merge patch, or one
// that repeats the current values, answers the contact as it is and leaves
// updated_at, the updated source and the change history alone; a patch of
// an unknown contact is still 404.
func TestPatchThatChangesNothingWritesNothing(t *testing.T) {
	e := newAPIEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	c, err := e.cs.Create(ctx, contacts.New{Email: "bea@example.org", Name: "Bea", Source: "import",
		Attributes: map[string]any{"city": "Delft"}})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/contacts/" + strconv.FormatInt(c.ID, 10)
	for _, body := range []string{`{}`, `{"name":"Bea","attributes":{"city":"Delft"}}`, `{"email":"bea@EXAMPLE.org"}`} {
		code, raw := e.do("marketer", "PATCH", path, body)
		if code != 200 || !strings.Contains(raw, `"name":"Bea"`) {
			t.Fatalf("patch %s: %d %s", body, code, raw)
		}
		got, err := e.cs.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.UpdatedAt.Equal(c.UpdatedAt) || got.UpdatedSource != "import" {
			t.Errorf("patch %s changed nothing but wrote: updated_at %v → %v, source %q", body, c.UpdatedAt, got.UpdatedAt, got.UpdatedSource)
		}
	}
	if code, raw := e.do("marketer", "PATCH", path, `{"name":"Beatrix"}`); code != 200 || !strings.Contains(raw, `"updated_source":"api"`) {
		t.Fatalf("a real change: %d %s", code, raw)
	}
	if code, _ := e.do("marketer", "PATCH", "/api/v1/contacts/999999", `{}`); code != 404 {
		t.Errorf("empty patch of an unknown contact: %d, want 404", code)
	}
}

// TestPatchToBlocklistedAddressIsRefused: a contact cannot take an address
// on its department's blocklist by a change of address, as it cannot be
// created with one (409 address_blocklisted): it would be an active,
// two-star contact that is never mailed, never one-star and never erased.
func TestPatchToBlocklistedAddressIsRefused(t *testing.T) {
	e := newAPIEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if err := e.cs.BlockAddress(ctx, "zed@example.org", "manual", ""); err != nil {
		t.Fatal(err)
	}
	c, err := e.cs.Create(ctx, contacts.New{Email: "bea@example.org", Name: "Bea", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/contacts/" + strconv.FormatInt(c.ID, 10)
	if code, raw := e.do("marketer", "PATCH", path, `{"email":"ZED@example.org"}`); code != 409 || !strings.Contains(raw, "address_blocklisted") {
		t.Fatalf("patch to a blocklisted address: %d %s, want 409 address_blocklisted", code, raw)
	}
	if got, err := e.cs.Get(ctx, c.ID); err != nil || got.Email != "bea@example.org" {
		t.Fatalf("after the refused patch: %+v %v", got, err)
	}
	if code, raw := e.do("marketer", "PATCH", path, `{"email":"bea.new@example.org"}`); code != 200 {
		t.Fatalf("patch to a free address: %d %s", code, raw)
	}
}
