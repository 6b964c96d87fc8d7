package staff_test

import (
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestAPILoginDeeplyNestedBody: anyone who reaches the admin listener can
// post to the login route, before any authentication. A body of brackets
// nested deep cost the server time and memory growing with the square of
// the depth (the field path of every level was built anew): seconds of CPU
// for 40 KB, so a few clients held every core; the API's 1 MiB bodies took
// hours. Nesting beyond
// strictjson.MaxDepth is refused at once, naming the field, and the
// account is still there to log in to.
func TestAPILoginDeeplyNestedBody(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	for _, depth := range []int{100, 32_000} {
		body := `{"email":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
		resp, b := call(t, hs, "POST", "/api/v1/auth/login", body, nil)
		if resp.StatusCode != 422 || !strings.Contains(b, `"field":"email`) || !strings.Contains(b, "nested more than") {
			t.Fatalf("depth %d: %d %.300s", depth, resp.StatusCode, b)
		}
	}
	if resp, b := call(t, hs, "POST", "/api/v1/auth/login", `{"email":"root@example.org","password":"a long enough passphrase"}`, nil); resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
}
