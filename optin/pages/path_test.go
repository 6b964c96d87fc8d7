package pages_test

import "testing"

// A form path whose list or department part Postgres cannot hold (a NUL,
// bytes that are not UTF-8) gets the neutral page like any unknown name;
// it used to reach the database and answer 503 with an error logged.
func TestOddFormPathsAreNeutral(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	e.list("a", "single")
	for _, p := range []string{"/s/%00", "/s/%ff", "/s/a%c0%80", "/s/default/%ff", "/s/%ff/a", "/s/%00/a", "/privacy/%ff", "/privacy/%00", "/s/nope"} {
		for _, method := range []string{"GET", "POST"} {
			if r := e.do(e.newClient(), method, p, nil, nil); r.code != 404 {
				t.Errorf("%s %s: %d, want the neutral page (404)", method, p, r.code)
			}
		}
	}
	if r := e.get("/s/a"); r.code != 200 {
		t.Fatalf("GET /s/a: %d", r.code)
	}
}
