package staff_test

import (
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// A login whose User-Agent is not UTF-8, or is cut inside a character,
// starts a session like any other: the header is stored cleaned, not
// handed to Postgres as it came (which refused it: 500, no login).
func TestLoginWithOddUserAgent(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	for _, ua := range []string{"Browser \xff/1.0", strings.Repeat("a", 299) + "é"} {
		resp, body := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"root@example.org","password":"a long enough passphrase"}`,
			map[string]string{"User-Agent": ua})
		if resp.StatusCode != 200 {
			t.Fatalf("login with User-Agent %.12q: %d %s", ua, resp.StatusCode, body)
		}
	}
	var n int64
	if err := f.db.QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE user_agent IN ($1, $2)`,
		"Browser \uFFFD/1.0", strings.Repeat("a", 299)).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d sessions with the cleaned User-Agents (%v)", n, err)
	}
}
