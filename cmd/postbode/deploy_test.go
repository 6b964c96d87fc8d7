package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/testenv"
)

var metricNameRE = regexp.MustCompile(`postbode_[a-z0-9_]+`)

// definedMetrics returns every metric name the Go sources register
// (Name: "postbode_..." or NewDesc("postbode_..." in a non-test file).
func definedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	defRE := regexp.MustCompile(`(?:Name:\s*|NewDesc\()"(postbode_[a-z0-9_]+)"`)
	names := map[string]bool{}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".data" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range defRE.FindAllStringSubmatch(string(b), -1) {
			names[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// baseName strips the series suffixes of histograms and summaries.
func baseName(n string) string {
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if strings.HasSuffix(n, suf) {
			return strings.TrimSuffix(n, suf)
		}
	}
	return n
}

// TestDeployUsesExportedMetrics checks that the alert rules and the Grafana
// dashboard query only metric names postbode exports, so a renamed metric
// cannot leave a silent alert or an empty panel behind.
func TestDeployUsesExportedMetrics(t *testing.T) {
	defined := definedMetrics(t)
	if len(defined) < 10 {
		t.Fatalf("found only %d metric definitions; the scan is broken", len(defined))
	}
	for _, f := range []string{"../../deploy/prometheus/alerts.yml", "../../deploy/grafana/postbode-dashboard.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		var missing []string
		for _, n := range metricNameRE.FindAllString(string(b), -1) {
			if !defined[n] && !defined[baseName(n)] && !seen[n] {
				seen[n] = true
				missing = append(missing, n)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s uses metrics postbode does not export: %v", f, missing)
		}
	}
}

// TestMetricNamingConventions checks every defined metric name: base units
// as suffix, counters (by their name) ending in _total only.
func TestMetricNamingConventions(t *testing.T) {
	for n := range definedMetrics(t) {
		for _, bad := range []string{"_ms", "_milliseconds", "_kb", "_mb", "_minutes", "_hours"} {
			if strings.HasSuffix(n, bad) || strings.Contains(n, bad+"_") {
				t.Errorf("%s: use base units (seconds, bytes)", n)
			}
		}
		if strings.Contains(n, "_total_") {
			t.Errorf("%s: _total belongs at the end", n)
		}
	}
}

func TestDashboardIsValidJSON(t *testing.T) {
	b, err := os.ReadFile("../../deploy/grafana/postbode-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if len(d.Panels) == 0 {
		t.Fatal("dashboard has no panels")
	}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			// The Go and process collectors are registered too (go_*, process_*).
			if tg.Expr != "" && !regexp.MustCompile(`(postbode|go|process)_[a-z0-9_]+`).MatchString(tg.Expr) {
				t.Errorf("panel %q queries no postbode metric: %s", p.Title, tg.Expr)
			}
		}
	}
}

// TestAlertRulesPromtool validates the alert rules with promtool (Debian's
// prometheus package, installed by `make test`'s tools step).
func TestAlertRulesPromtool(t *testing.T) {
	bin := testenv.Tool(t, "promtool", "prometheus")
	out, err := exec.Command(bin, "check", "rules", "../../deploy/prometheus/alerts.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}
