package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/db"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfgPath := configFlag(fs)
	cfg, pool, err := parseAndOpen(ctx, fs, cfgPath, args)
	if err != nil {
		return err
	}
	defer pool.Close()
	done, err := db.Migrate(ctx, pool, newLogger(cfg.Log, stderr))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s)\n", len(done))
	return nil
}

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: postbode token create --role admin|marketer|privacy|viewer --name NAME")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	cfgPath := configFlag(fs)
	role := fs.String("role", "", "role: admin, marketer, privacy or viewer; required")
	name := fs.String("name", "", "a name for the token; required")
	_, pool, err := parseAndOpen(ctx, fs, cfgPath, args[1:])
	if err != nil {
		return err
	}
	defer pool.Close()
	_, secret, err := apitoken.NewStore(pool).Create(ctx, *name, *role)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

func cmdConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return errors.New("usage: postbode config check [--config FILE]")
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	cfgPath := configFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if _, err := loadConfig(*cfgPath); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "config ok")
	return nil
}
