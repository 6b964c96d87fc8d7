package redisconn

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// scriptSites are the Lua scripts and transactions of the code, each with
// the test that checks its keys share one Cluster slot. A new one fails
// TestEveryScriptSiteHasASlotTest until it is added here with such a test
// (besides, testenv's Redis client fails any test that runs a spanning one).
var scriptSites = map[string]string{
	"campaigns/deliver.go: redis.NewScript(":     "campaigns.TestKeysOfEachScriptShareASlot",
	"campaigns/queue.go: redis.NewScript(":       "campaigns.TestKeysOfEachScriptShareASlot",
	"campaigns/queue.go: TxPipelined(":           "campaigns.TestKeysOfEachScriptShareASlot",
	"mta/limiter.go: redis.NewScript(":           "mta.TestLimiterKeysShareASlotPerDomain (×3, one key each)",
	"optin/pages/csrf.go: TxPipelined(":          "one key (INCR and EXPIRE of the same key)",
	"internal/redisconn/window.go: TxPipelined(": "one key (INCRBY and EXPIRE of the same key); bounces.TestUnprovenMailIsCapped runs it under CrossSlotHook",
}

func TestEveryScriptSiteHasASlotTest(t *testing.T) {
	root := filepath.Join("..", "..")
	found := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, marker := range []string{"redis.NewScript(", "TxPipelined(", "TxPipeline(", ".Watch(ctx"} {
			if strings.Contains(string(b), marker) {
				found[filepath.ToSlash(rel)+": "+marker] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing, gone []string
	for site := range found {
		if _, ok := scriptSites[site]; !ok {
			missing = append(missing, site)
		}
	}
	for site := range scriptSites {
		if !found[site] {
			gone = append(gone, site)
		}
	}
	sort.Strings(missing)
	sort.Strings(gone)
	for _, s := range missing {
		t.Errorf("%s: a script or transaction without a test that its keys share one Cluster slot; add one and list it in scriptSites", s)
	}
	for _, s := range gone {
		t.Errorf("%s: listed in scriptSites but no longer in the code; remove it", s)
	}
}
