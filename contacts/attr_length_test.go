package contacts_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
)

// TestAttributeLengthCountsCharacters: an attribute value may be 1000
// characters long, as the error says, whatever script it is written in. A
// value of 1000 Hebrew letters (2000 bytes) or euro signs (3000 bytes) was
// refused as "longer than 1000 characters"; 1001 characters of any script
// still are, naming the attribute.
func TestAttributeLengthCountsCharacters(t *testing.T) {
	e := newAPIEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	c, err := e.cs.Create(ctx, contacts.New{Email: "ann@example.org", Name: "Ann", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/contacts/" + strconv.FormatInt(c.ID, 10)
	for _, v := range []string{strings.Repeat("א", 1000), strings.Repeat("€", 1000), strings.Repeat("W", 1000)} {
		if code, raw := e.do("marketer", "PATCH", path, `{"attributes":{"note":"`+v+`"}}`); code != 200 {
			t.Errorf("1000 characters (%d bytes): %d %s", len(v), code, raw)
		}
	}
	code, raw := e.do("marketer", "PATCH", path, `{"attributes":{"note":"`+strings.Repeat("א", 1001)+`"}}`)
	if code != 422 || !strings.Contains(raw, `"field":"attributes.note"`) || !strings.Contains(raw, "1000 characters") {
		t.Errorf("1001 characters: %d %s, want 422 naming attributes.note and the limit", code, raw)
	}
}
