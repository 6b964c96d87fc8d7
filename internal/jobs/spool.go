package jobs

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SpoolPattern names spooled uploads (os.CreateTemp pattern): the sweep
// deletes only files that match it.
const SpoolPattern = "postbode-import-*"

// Sweeper ends dead jobs and deletes spooled uploads that no running job
// reads. Spooled uploads hold names and addresses out of erasure's reach, so
// they are kept short-lived instead: deleted when their job ends, when it is
// found dead, and at every sweep when no running job names them.
type Sweeper struct {
	// Store holds the jobs; required.
	Store *Store
	// Dir is the spool directory; optional, default the OS temp dir.
	Dir string
	// DeadAfter is how old a heartbeat may be; optional, default DeadAfter.
	DeadAfter time.Duration
	// Log is optional.
	Log *slog.Logger
}

// SweepResult says what one sweep did.
type SweepResult struct {
	Dead    []Job    // jobs marked failed
	Removed []string // spool files deleted
}

// Sweep marks dead jobs failed, deletes their keys and spool files, then
// deletes every spool file in Dir that no running job names and that has not
// been written for DeadAfter (an upload still arriving is written to, and its
// job row is made right after it ends).
func (s *Sweeper) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	dead, err := s.Store.FailDead(ctx, s.deadAfter())
	if err != nil {
		return res, err
	}
	res.Dead = dead
	ids := make([]int64, len(dead))
	for i, j := range dead {
		ids[i] = j.ID
		if j.SpoolFile != "" && removeFile(j.SpoolFile) {
			res.Removed = append(res.Removed, j.SpoolFile)
		}
	}
	if err := s.Store.dropKeys(ctx, ids); err != nil {
		return res, err
	}
	live, err := s.Store.runningSpoolFiles(ctx)
	if err != nil {
		return res, err
	}
	orphans, err := s.orphans(live)
	for _, f := range orphans {
		if removeFile(f) {
			res.Removed = append(res.Removed, f)
		}
	}
	return res, err
}

func (s *Sweeper) deadAfter() time.Duration {
	if s.DeadAfter > 0 {
		return s.DeadAfter
	}
	return DeadAfter
}

// orphans lists the spool files in Dir that no running job names and that
// have been left alone for DeadAfter.
func (s *Sweeper) orphans(live []string) ([]string, error) {
	dir := s.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	names, err := filepath.Glob(filepath.Join(dir, SpoolPattern))
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, f := range live {
		keep[filepath.Base(f)] = true
	}
	var out []string
	for _, f := range names {
		if keep[filepath.Base(f)] {
			continue
		}
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() && time.Since(st.ModTime()) > s.deadAfter() {
			out = append(out, f)
		}
	}
	return out, nil
}

// removeFile deletes a spool file; it reports whether the file was there.
func removeFile(path string) bool {
	if !strings.HasPrefix(filepath.Base(path), strings.TrimSuffix(SpoolPattern, "*")) {
		return false
	}
	return os.Remove(path) == nil
}

// Run sweeps now and then every interval until ctx ends, logging what it did.
func (s *Sweeper) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := s.Sweep(ctx)
		if s.Log != nil && (err != nil || len(res.Dead) > 0 || len(res.Removed) > 0) {
			s.Log.Warn("jobs: swept dead jobs and spooled uploads", slog.Int("dead_jobs", len(res.Dead)),
				slog.Int("files_removed", len(res.Removed)), slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
