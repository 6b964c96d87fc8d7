package contacts_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
)

// customRole authenticates one secret as a custom role of the default
// department with the given permissions.
type customRole struct{ perms access.Set }

func (c customRole) AuthenticateToken(_ context.Context, secret string, ip netip.Addr) (access.Actor, error) {
	if secret != "custom" {
		return access.Actor{}, httpapi.NewError(http.StatusUnauthorized, "unauthorized", "unknown token")
	}
	return access.Actor{TokenID: 1, TokenName: "custom", DepartmentID: access.DefaultDepartment, Role: "exporter", Perms: c.perms, IP: ip}, nil
}

// TestExportLeavesHiddenAttributesOut: a role that may download contacts
// (contacts.export) but not read hidden attributes (privacy.export) gets
// the bulk export without them, as it gets the listing; a role with
// privacy.export gets them in both.
func TestExportLeavesHiddenAttributesOut(t *testing.T) {
	pool := testenv.DB(t)
	cs := contacts.NewStore(pool, "api-test-key-0123456789abcdef0123", 2)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := cs.Create(ctx, contacts.New{Email: "ann@example.org", Name: "Ann", Source: "api",
		Attributes: map[string]any{"city": "Delft", "bsn": "123456782"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO hidden_attributes (key, hidden_by) VALUES ('bsn', 'test')`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		perms access.Set
		shown bool
	}{
		{"contacts.export without privacy.export", access.NewSet(access.ContactsRead, access.ContactsExport), false},
		{"with privacy.export", access.NewSet(access.ContactsRead, access.ContactsExport, access.PrivacyExport), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			rt := httpapi.NewRouter(mux, testenv.Logger(t), customRole{tc.perms}, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
			httpapi.Mount(rt, &contacts.API{Store: cs, DB: pool})
			hs := httptest.NewServer(mux)
			defer hs.Close()
			for _, path := range []string{"/api/v1/contacts", "/api/v1/contacts/export?format=csv", "/api/v1/contacts/export?format=json"} {
				req, _ := http.NewRequest("GET", hs.URL+path, nil)
				req.Header.Set("Authorization", "Bearer custom")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), "Delft") {
					t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
				}
				if got := strings.Contains(string(body), "123456782"); got != tc.shown {
					t.Errorf("%s: hidden attribute shown %v, want %v:\n%s", path, got, tc.shown, body)
				}
			}
		})
	}
}
