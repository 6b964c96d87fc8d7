package main

import (
	"context"
	"fmt"
	"io"

	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/buildinfo"
	"github.com/postbode/postbode/internal/db"

	"github.com/postbode/postbode/internal/plural"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "[--config FILE]", stdout)
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
	fmt.Fprintln(stdout, "applied", plural.Count(int64(len(done)), "migration|migrations"))
	return nil
}

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token create", "--role admin|marketer|privacy|viewer --name NAME [--replace] [--config FILE]", stdout)
	cfgPath := configFlag(fs)
	role := fs.String("role", "", "role: admin, marketer, privacy or viewer; required")
	name := fs.String("name", "", "a name for the token; required")
	replace := fs.Bool("replace", false, "revoke the live tokens of this name first; optional")
	if err := parseNoArgs(fs, args[1:]); err != nil {
		return err
	}
	if *role == "" || *name == "" {
		return usageErrf(fs, "--role and --name are required")
	}
	_, pool, err := loadAndOpen(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := apitoken.NewStore(pool)
	if *replace {
		if err := store.RevokeName(ctx, *name); err != nil {
			return err
		}
	}
	_, secret, err := store.Create(ctx, *name, *role)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

func cmdConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("config check", "[--config FILE]", stdout)
	cfgPath := configFlag(fs)
	if err := parseNoArgs(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if err := checkConfigFiles(cfg); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "config ok")
	return nil
}

// cmdVersion prints the version, commit and Go version (the labels of
// postbode_build_info).
func cmdVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "", stdout)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	bi := buildinfo.Get()
	fmt.Fprintf(stdout, "postbode %s (commit %s, %s)\n", bi.Version, bi.Commit, bi.GoVersion)
	return nil
}
