package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/postbode/postbode/internal/humantime"
)

// cmdQueue runs `postbode queue stats`: the Redis queue of every running or
// paused campaign.
func cmdQueue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("queue stats", "[--config FILE]", stdout)
	cfgPath := configFlag(fs)
	if err := parseNoArgs(fs, args[1:]); err != nil {
		return err
	}
	s, done, err := opsCampaigns(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer done()
	qs, err := s.QueueStats(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CAMPAIGN\tSTATUS\tQUEUED\tIN FLIGHT\tRETRY\tOLDEST")
	for _, q := range qs {
		age := humantime.Duration(time.Duration(q.OldestSeconds*float64(time.Second)), "en")
		fmt.Fprintf(w, "%d\t%s\t%d\t%d\t%d\t%s\n", q.CampaignID, q.Status, q.Ready, q.Pending, q.Retry, age)
	}
	if len(qs) == 0 {
		fmt.Fprintln(w, "(no running or paused campaign)")
	}
	return w.Flush()
}
