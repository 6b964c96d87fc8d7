package campaigns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestHotQueryPlans runs EXPLAIN (ANALYZE, BUFFERS) of every statement the
// send path runs per batch or per expansion step on a freshly inserted
// campaign of 50,000 recipients whose tables have no statistics (no
// ANALYZE, autovacuum off), with custom and with generic plans (pgx
// prepares statements, so Postgres may switch to a generic plan after
// five runs). A plan that scans deliveries, contacts or subscriptions
// sequentially, or reads or filters away more rows than the batch needs,
// fails:
// that is the plan that made each batch read every pending delivery of
// the campaign. Run with -v to read the plans.
func TestHotQueryPlans(t *testing.T) {
	const n = 50000
	ctx := context.Background()
	s, id, _ := benchSetup(t, n, false, map[string]int{"no_autovacuum": 1})
	c, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// The campaign expanded and mostly sent: 1,000 recipients pending.
	if _, err := s.db.Exec(ctx, `INSERT INTO deliveries (campaign_id, contact_id, status)
		SELECT $1, id, CASE WHEN id <= $2 THEN 'sent' ELSE 'queued' END FROM contacts`, id, n-1000); err != nil {
		t.Fatal(err)
	}
	// Another campaign's rows, all pending: no statement of this campaign reads them.
	if _, err := s.db.Exec(ctx, `INSERT INTO deliveries (campaign_id, contact_id) SELECT $1, id FROM contacts`, id+1000); err != nil {
		t.Fatal(err)
	}
	var analysed int
	s.db.QueryRow(ctx, `SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('contacts', 'subscriptions', 'deliveries')
		AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)`).Scan(&analysed)
	if analysed > 0 {
		t.Fatalf("%d of the tables have statistics; the test needs none", analysed)
	}
	batch := make([]int64, 100) // a batch of pending recipients
	statuses, errs, was := make([]string, 100), make([]string, 100), make([]string, 100)
	for i := range batch {
		batch[i], statuses[i], was[i] = int64(n-1000+1+i*3), "sent", "queued"
	}
	// Their rows' addresses, as the load reads them.
	rows, err := s.db.Query(ctx, `SELECT ctid FROM deliveries WHERE campaign_id = $1 AND contact_id = ANY($2) ORDER BY contact_id`, id, batch)
	if err != nil {
		t.Fatal(err)
	}
	tids, err := pgx.CollectRows(rows, pgx.RowTo[pgtype.TID])
	if err != nil || len(tids) != len(batch) {
		t.Fatalf("addresses of the batch: %d, %v", len(tids), err)
	}
	queries := []struct {
		name    string
		sql     string
		args    []any
		types   string // of the parameters, for PREPARE
		removed int    // rows a good plan may filter away
		read    int    // rows a good plan's scan nodes may return
		matched int    // rows a join may compare and drop in memory (default removed)
	}{
		{"expand (next 5,000 after the cursor)", expandSQL, []any{id + 1, int64(n / 2), c.ListIDs, false, 5000},
			"bigint, bigint, bigint[], boolean, int", 100, 5000, 0},
		{"load batch", loadSQL, []any{id, batch, c.ListIDs}, "bigint, bigint[], bigint[]", 100, 100, 0},
		// The rows read by address are matched to the batch's outcomes in
		// memory: at most batch × batch comparisons, whatever the table holds.
		{"record outcomes", recordSQL, []any{id, tids, batch, statuses, errs, was}, "bigint, tid[], bigint[], text[], text[], text[]", 100, 100, 100 * 100},
		{"record outcomes, rows locked", recordLockedSQL, []any{id, batch, statuses, errs}, "bigint, bigint[], text[], text[]", 100, 100, 0},
		// Once per campaign, when its queue is empty: it may read the
		// campaign's rows, never the table.
		{"pending deliveries (finish check)", pendingSQL, []any{id}, "bigint", n, n, 0},
		{"erased recipients skipped (finish check)", finalizeSQL("contact_id IS NULL"), []any{id, "skipped", "queued"},
			"bigint, text, text", 0, 0, 0},
	}
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		for _, q := range queries {
			t.Run(mode+"/"+q.name, func(t *testing.T) {
				plan := explain(t, s, mode, q.sql, q.types, q.args)
				var bad []string
				walkPlan(plan["Plan"].(map[string]any), func(node map[string]any) {
					rel, _ := node["Relation Name"].(string)
					if node["Node Type"] == "Seq Scan" && (rel == "deliveries" || rel == "contacts" || rel == "subscriptions") {
						bad = append(bad, "sequential scan of "+rel)
					}
					loops, _ := node["Actual Loops"].(float64)
					if rows, _ := node["Actual Rows"].(float64); strings.Contains(node["Node Type"].(string), "Scan") &&
						rel != "" && rows*loops > float64(q.read) {
						bad = append(bad, fmt.Sprintf("%s of %s returned %.0f rows", node["Node Type"], rel, rows*loops))
					}
					for _, k := range []string{"Rows Removed by Filter", "Rows Removed by Join Filter", "Rows Removed by Index Recheck"} {
						limit := q.removed
						if k == "Rows Removed by Join Filter" && q.matched > 0 {
							limit = q.matched
						}
						if v, ok := node[k].(float64); ok && v*loops > float64(limit) {
							bad = append(bad, fmt.Sprintf("%s: %.0f on %s %s", k, v*loops, node["Node Type"], rel))
						}
					}
				})
				if len(bad) > 0 {
					t.Errorf("bad plan (%s):\n%s", strings.Join(bad, "; "), explainText(t, s, mode, q.sql, q.types, q.args))
				} else if testing.Verbose() {
					t.Logf("plan:\n%s", explainText(t, s, mode, q.sql, q.types, q.args))
				}
			})
		}
	}
}

// explain returns the JSON plan of sql run with args as a prepared
// statement under plan_cache_mode = mode, in a transaction that is rolled
// back (the statements under test write).
func explain(t *testing.T, s *Service, mode, sql, types string, args []any) map[string]any {
	var out []map[string]any
	js := strings.Join(runExplain(t, s, mode, sql, types, args, "FORMAT JSON"), "")
	if err := json.Unmarshal([]byte(js), &out); err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func explainText(t *testing.T, s *Service, mode, sql, types string, args []any) string {
	return strings.Join(runExplain(t, s, mode, sql, types, args, "FORMAT TEXT"), "\n")
}

var errRollback = errors.New("rollback")

// runExplain prepares sql under plan_cache_mode = mode and returns the
// output of EXPLAIN EXECUTE with args written as literals, all in a
// transaction that is rolled back.
func runExplain(t *testing.T, s *Service, mode, sql, types string, args []any, format string) []string {
	ctx := context.Background()
	var lines []string
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = "+mode); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "PREPARE plan_q("+types+") AS "+sql); err != nil {
			return err
		}
		defer tx.Exec(ctx, "DEALLOCATE plan_q")
		lits := make([]string, len(args))
		for i, a := range args {
			lits[i] = literal(a)
		}
		rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, "+format+") EXECUTE plan_q("+strings.Join(lits, ", ")+")",
			pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return err
		}
		if lines, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	return lines
}

// literal writes a parameter value as SQL.
func literal(a any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := a.(type) {
	case []int64:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		return quote("{" + strings.Join(parts, ",") + "}")
	case string:
		return quote(v)
	case []pgtype.TID:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprintf(`"(%d,%d)"`, x.BlockNumber, x.OffsetNumber)
		}
		return quote("{" + strings.Join(parts, ",") + "}")
	case []string:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = quote(x)
		}
		return "ARRAY[" + strings.Join(parts, ",") + "]::text[]"
	default:
		return fmt.Sprint(v)
	}
}

func walkPlan(node map[string]any, f func(map[string]any)) {
	f(node)
	kids, _ := node["Plans"].([]any)
	for _, k := range kids {
		walkPlan(k.(map[string]any), f)
	}
}

// TestExpansionAnalyses checks that a campaign whose expansion completed
// left statistics of its delivery rows.
func TestExpansionAnalyses(t *testing.T) {
	ctx := context.Background()
	s, id, _ := benchSetup(t, 3000, false, map[string]int{"no_autovacuum": 1})
	if _, err := s.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := s.ScheduleOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var tuples float64
	if err := s.db.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'deliveries'::regclass`).Scan(&tuples); err != nil {
		t.Fatal(err)
	}
	if tuples < 3000 {
		t.Errorf("planner statistics say %.0f delivery rows after expanding 3000; want them analysed", tuples)
	}
}
