package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/postbode/postbode/campaigns"
)

// cmdCampaigns runs `postbode campaigns list|watch|pause|resume|cancel`.
func cmdCampaigns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch args[0] {
	case "list":
		return campaignsList(ctx, args[1:], stdout)
	case "watch":
		return campaignsWatch(ctx, args[1:], stdout)
	}
	return campaignsControl(ctx, args[0], args[1:], stdout)
}

// campaignsControl pauses, resumes or cancels a campaign; every sender node
// sees it within seconds.
func campaignsControl(ctx context.Context, op string, args []string, stdout io.Writer) error {
	fs := newFlags("campaigns "+op, "ID [--config FILE]", stdout)
	cfgPath := configFlag(fs)
	id, err := parseID(fs, args)
	if err != nil {
		return err
	}
	s, done, err := opsCampaigns(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer done()
	do := map[string]func(context.Context, int64) (campaigns.Campaign, error){"pause": s.Pause, "resume": s.Resume, "cancel": s.Cancel}[op]
	c, err := do(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "campaign %d is %s\n", c.ID, c.Status)
	return nil
}

// opsCampaigns opens Postgres and Redis for an ops command and returns a
// campaigns service that only reads (it sends nothing); close releases both.
func opsCampaigns(ctx context.Context, cfgPath string) (*campaigns.Service, func(), error) {
	cfg, pool, err := loadAndOpen(ctx, cfgPath)
	if err != nil {
		return nil, nil, err
	}
	rdb, err := openRedis(ctx, cfg)
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("redis: %w", err)
	}
	s := campaigns.New(campaigns.Options{DB: pool, Redis: rdb, KeyPrefix: cfg.Redis.KeyPrefix})
	return s, func() { rdb.Close(); pool.Close() }, nil
}

func campaignsList(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("campaigns list", "[--status S] [--limit N] [--config FILE]", stdout)
	cfgPath := configFlag(fs)
	status := fs.String("status", "", "only campaigns in this state (draft, scheduled, running, paused, cancelled, finished); optional")
	limit := fs.Int("limit", 50, "how many campaigns, newest first; optional")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *status != "" && !campaigns.ValidState(*status) {
		return usageErrf(fs, "--status must be %s, got %q", campaigns.StatesText, *status)
	}
	if *limit <= 0 {
		return usageErrf(fs, "--limit must be positive")
	}
	s, done, err := opsCampaigns(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer done()
	all, err := s.List(ctx, campaigns.Filter{Status: *status}, 0, 1<<30)
	if err != nil {
		return err
	}
	if len(all) > *limit {
		all = all[len(all)-*limit:]
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tNAME\tSENT\tTOTAL\tPROGRESS")
	for i := len(all) - 1; i >= 0; i-- {
		c := all[i]
		st, err := s.Stats(ctx, c.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%d\t%.1f%%\n", c.ID, c.Status, c.Name, st.Sent, st.Total, st.Progress)
	}
	return w.Flush()
}

func campaignsWatch(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("campaigns watch", "ID [--interval 1s] [--config FILE]", stdout)
	cfgPath := configFlag(fs)
	interval := fs.Duration("interval", time.Second, "refresh interval; optional")
	id, err := parseID(fs, args)
	if err != nil {
		return err
	}
	if *interval <= 0 {
		return usageErrf(fs, "--interval must be positive")
	}
	s, done, err := opsCampaigns(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer done()
	tty := isTerminal(stdout)
	t := time.NewTicker(*interval)
	defer t.Stop()
	for {
		st, err := s.Stats(ctx, id)
		if err != nil {
			return err
		}
		line := progressLine(st, 30)
		if tty {
			fmt.Fprintf(stdout, "\r\033[K%s", line)
		} else {
			fmt.Fprintln(stdout, line)
		}
		if st.Status == campaigns.StateFinished || st.Status == campaigns.StateCancelled {
			if tty {
				fmt.Fprintln(stdout)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprintln(stdout)
			}
			return nil
		case <-t.C:
		}
	}
}

// progressLine renders a campaign's progress as a bar with counts, rate and ETA.
func progressLine(st campaigns.Stats, width int) string {
	filled := int(st.Progress / 100 * float64(width))
	filled = min(max(filled, 0), width)
	eta := "-"
	if st.ETASeconds != nil {
		eta = (time.Duration(*st.ETASeconds) * time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %5.1f%%  %s  sent %d/%d  deferred %d  bounced %d  failed %d  skipped %d  %.0f msg/s  ETA %s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), st.Progress, st.Status,
		st.Sent, st.Total, st.Deferred, st.Bounced, st.Failed, st.Skipped, st.Rate, eta)
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
