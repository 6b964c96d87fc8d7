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

// TestAttributeValuesRefuseHiddenCharacters: an attribute value may hold
// lines and tabs (an address, a note) but no other control character and no
// text direction control, which could make "Invoice", U+202E, "fdp.exe"
// read as "Invoiceexe.pdf" wherever it is shown; and a number too large to
// store is refused naming its key, not the whole attributes field.
func TestAttributeValuesRefuseHiddenCharacters(t *testing.T) {
	e := newAPIEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	c, err := e.cs.Create(ctx, contacts.New{Email: "ann@example.org", Name: "Ann", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/contacts/" + strconv.FormatInt(c.ID, 10)
	if code, raw := e.do("marketer", "PATCH", path, `{"attributes":{"address":"Dorpsstraat 1\r\n1234 AB\tErgens"}}`); code != 200 {
		t.Errorf("lines and a tab: %d %s", code, raw)
	}
	for body, want := range map[string]string{
		`{"attributes":{"file":"Invoice\u202efdp.exe"}}`: "text direction",
		`{"attributes":{"file":"a\u2066b"}}`:             "text direction",
		`{"attributes":{"file":"a\u001bb"}}`:             "control characters",
		`{"attributes":{"file":"a\u0085b"}}`:             "control characters",
		`{"attributes":{"file":1e400}}`:                  "too large",
	} {
		code, raw := e.do("marketer", "PATCH", path, body)
		if code != 422 || !strings.Contains(raw, `"field":"attributes.file"`) || !strings.Contains(raw, want) {
			t.Errorf("%s: %d %s, want 422 naming attributes.file and saying %q", body, code, raw, want)
		}
	}
	if _, err := e.cs.Create(ctx, contacts.New{Email: "bob@example.org", Source: "api",
		Attributes: map[string]any{"file": "Invoice\u202efdp.exe"}}); err == nil || !strings.Contains(err.Error(), "attributes.file") {
		t.Errorf("create with U+202E in a value: %v, want an error naming attributes.file", err)
	}
}
