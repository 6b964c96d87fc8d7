package privacy_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/postbode/postbode/privacy"
)

// TestRetentionRunRoute: POST /api/v1/privacy/retention/run runs one pass
// for the privacy role only; a dry run reports per cause what would be
// erased and erases nothing, a run erases exactly that and reports it;
// a second run finds nothing.
func TestRetentionRunRoute(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{OneStarDays: 30, BatchSize: 2})
	ctx := t.Context()
	for i, cause := range []string{privacy.RetentionInactive, privacy.RetentionBlocklisted, privacy.RetentionFloater, privacy.RetentionFloater} {
		oneStar(t, e.fixture, cause[:3]+itoa(int64(i))+"@example.org", cause, 40*24*time.Hour)
	}
	young := oneStar(t, e.fixture, "youngfloater@example.org", privacy.RetentionFloater, 10*24*time.Hour)
	const path = "/api/v1/privacy/retention/run"
	for _, role := range []string{"marketer", "viewer"} {
		if code, raw, _ := e.do(role, "POST", path, nil); code != 403 {
			t.Errorf("as %s: %d %s, want 403", role, code, raw)
		}
	}
	if code, _, _ := e.do("", "POST", path, nil); code != 401 {
		t.Errorf("without token: %d, want 401", code)
	}
	if code, raw, _ := e.do("privacy", "POST", path, map[string]any{"dryrun": true}); code != 422 {
		t.Errorf("unknown field: %d %s, want 422", code, raw)
	}
	contacts := func() int {
		var n int
		e.db.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&n)
		return n
	}
	run := func(body any) privacy.RetentionReport {
		t.Helper()
		code, raw, _ := e.do("privacy", "POST", path, body)
		if code != 200 {
			t.Fatalf("%v: %d %s", body, code, raw)
		}
		var rep privacy.RetentionReport
		if err := json.Unmarshal(raw, &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	want := map[string]int64{"inactive": 1, "blocklisted": 1, "floater": 2}
	check := func(what string, rep privacy.RetentionReport, dry bool, total int64, by map[string]int64) {
		t.Helper()
		if rep.DryRun != dry || !rep.Enabled || rep.Total != total || len(rep.ByCause) != 3 {
			t.Errorf("%s: %+v", what, rep)
		}
		for c, n := range by {
			if rep.ByCause[c] != n {
				t.Errorf("%s: %s = %d, want %d", what, c, rep.ByCause[c], n)
			}
		}
	}
	check("dry run", run(map[string]any{"dry_run": true}), true, 4, want)
	if n := contacts(); n != 5 {
		t.Fatalf("%d contacts after the dry run, want 5", n)
	}
	check("run", run(nil), false, 4, want)
	if n := contacts(); n != 1 {
		t.Fatalf("%d contacts after the run, want 1 (the young floater)", n)
	}
	if _, err := e.cs.Get(ctx, young); err != nil {
		t.Errorf("the young floater was erased: %v", err)
	}
	check("second run", run(map[string]any{"dry_run": false}), false, 0, map[string]int64{"inactive": 0, "blocklisted": 0, "floater": 0})
}
