package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/rtoken"
)

// cmdCampaigns runs `postbode campaigns list | watch ID | pause ID | resume ID | cancel ID`.
func cmdCampaigns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: postbode campaigns list | watch ID | pause ID | resume ID | cancel ID")
	}
	sub := args[0]
	fs := flag.NewFlagSet("campaigns "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	s, closeFn, err := opsCampaigns(ctx, fs, cfgPath, args[1:])
	if err != nil {
		return err
	}
	defer closeFn()
	enc := json.NewEncoder(stdout)
	if sub == "list" {
		var after int64
		for {
			page, err := s.List(ctx, "", after, 500)
			if err != nil {
				return err
			}
			for i, c := range page {
				if i == 500 {
					break
				}
				fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\n", c.ID, c.Status, c.CreatedAt.Format(time.RFC3339), c.Name)
				after = c.ID
			}
			if len(page) <= 500 {
				return nil
			}
		}
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("postbode campaigns %s: one campaign id is required", sub)
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("postbode campaigns %s: %q is not a campaign id", sub, fs.Arg(0))
	}
	ops := map[string]func(context.Context, int64) (campaigns.Campaign, error){
		"pause": s.Pause, "resume": s.Resume, "cancel": s.Cancel}
	if op, ok := ops[sub]; ok {
		c, err := op(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "campaign %d is %s\n", c.ID, c.Status)
		return nil
	}
	if sub != "watch" {
		return fmt.Errorf("postbode campaigns: unknown subcommand %q", sub)
	}
	for {
		st, err := s.Stats(ctx, id)
		if err != nil {
			return err
		}
		enc.Encode(st)
		if st.Status == campaigns.StateFinished || st.Status == campaigns.StateCancelled {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// opsCampaigns parses the flags and returns a campaigns service (for state
// changes and statistics; it sends nothing) and a func that closes it.
func opsCampaigns(ctx context.Context, fs *flag.FlagSet, cfgPath *string, args []string) (*campaigns.Service, func(), error) {
	cfg, pool, err := parseAndOpen(ctx, fs, cfgPath, args)
	if err != nil {
		return nil, nil, err
	}
	rdb, err := openRedis(ctx, cfg)
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("redis: %w", err)
	}
	s := campaigns.New(opsOptions(cfg, pool, rdb))
	return s, func() { rdb.Close(); pool.Close() }, nil
}

func opsOptions(cfg config.Config, pool *pgxpool.Pool, rdb *redis.Client) campaigns.Options {
	return campaigns.Options{DB: pool, Redis: rdb, KeyPrefix: cfg.Redis.KeyPrefix,
		Log: slog.New(slog.DiscardHandler), Keys: rtoken.NewKeys(cfg.Secrets.Key, cfg.Secrets.OldKeys...),
		BaseURL: cfg.Public.BaseURL, BounceDomain: cfg.BounceDomain(), Tracking: cfg.Sending.Tracking}
}
