package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// cmdQueue runs `postbode queue stats`: the Redis queue of every running
// or paused campaign (ready, pending with a worker, waiting for a retry,
// age of the oldest entry).
func cmdQueue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "stats" {
		return errors.New("usage: postbode queue stats")
	}
	fs := flag.NewFlagSet("queue stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	s, closeFn, err := opsCampaigns(ctx, fs, cfgPath, args[1:])
	if err != nil {
		return err
	}
	defer closeFn()
	qs, err := s.QueueStats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "campaign\tstatus\tready\tpending\tretry\toldest_s\n")
	for _, q := range qs {
		fmt.Fprintf(stdout, "%d\t%s\t%d\t%d\t%d\t%.0f\n", q.CampaignID, q.Status, q.Ready, q.Pending, q.Retry, q.OldestSeconds)
	}
	return nil
}
