package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/privacy"
)

// cmdRetention runs `postbode retention run [--dry-run]`: one retention pass
// now (the janitor's, on demand), printing per cause what was erased — or,
// with --dry-run, what would be — then the raw bounce mail deleted after
// bounces.raw_retention and the uncorrelated evidence cleared with it. The
// audit log records the contact pass with actor "cli".
func cmdRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("retention run", "[--config FILE] [--dry-run]", stdout)
	cfgPath := configFlag(fs)
	dryRun := fs.Bool("dry-run", false, "count what would be erased; erase nothing")
	if err := parseNoArgs(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	cfg.Database.Migrate = false
	a, err := newApp(ctx, cfg, newLogger(cfg.Log, stderr))
	if err != nil {
		return err
	}
	defer a.close()
	rep, err := a.privacy().RetentionPass(ctx, "cli", *dryRun)
	if err != nil {
		return err
	}
	if err := printRetention(stdout, rep); err != nil {
		return err
	}
	raw, evidence, err := rawRetention(ctx, a, *dryRun)
	if err != nil {
		return err
	}
	verb := "deleted"
	if *dryRun {
		verb = "would delete (dry run, nothing deleted)"
	}
	fmt.Fprintf(stdout, "raw bounce mail older than %s (bounces.raw_retention), %s: %d messages; uncorrelated evidence cleared of the address it names: %d rows\n",
		humantime.Duration(a.cfg.Bounces.RawRetention.Duration, "en"), verb, raw, evidence)
	return nil
}

// rawRetention deletes the raw inbound mail older than bounces.raw_retention
// and clears uncorrelated evidence of the same age (as the inbound role does
// on its interval), or with dryRun counts both.
func rawRetention(ctx context.Context, a *app, dryRun bool) (raw, evidence int64, err error) {
	p := a.bounces()
	if dryRun {
		if raw, err = p.DueRaw(ctx); err != nil {
			return 0, 0, err
		}
		evidence, err = p.DueEvidence(ctx)
		return raw, evidence, err
	}
	if raw, err = p.Expire(ctx); err != nil {
		return raw, 0, err
	}
	evidence, err = p.ExpireEvidence(ctx)
	return raw, evidence, err
}

// printRetention writes a retention report as a table of causes.
func printRetention(stdout io.Writer, rep privacy.RetentionReport) error {
	if !rep.Enabled {
		fmt.Fprintln(stdout, "retention is disabled (retention.one_star_days = 0): nothing erased")
		return nil
	}
	verb := "erased"
	if rep.DryRun {
		verb = "would erase (dry run, nothing erased)"
	}
	fmt.Fprintf(stdout, "retention: contacts one-star longer than %d days, %s\n", rep.OneStarDays, verb)
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CAUSE\tCONTACTS")
	for _, c := range []string{privacy.RetentionInactive, privacy.RetentionBlocklisted, privacy.RetentionFloater} {
		fmt.Fprintf(w, "%s\t%d\n", c, rep.ByCause[c])
	}
	fmt.Fprintf(w, "total\t%d\n", rep.Total)
	return w.Flush()
}
