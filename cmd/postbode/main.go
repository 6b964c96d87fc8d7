// Command postbode is the postbode daemon and its ops commands:
//
//	postbode serve [--config FILE] [--roles api,public,...] [--no-migrate]
//	postbode migrate [--config FILE]
//	postbode token create --role ROLE --name NAME
//	postbode config check [--config FILE]
//	postbode dkim keygen ...
//	postbode bounces classify FILE...
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "postbode:", err)
		os.Exit(1)
	}
}

// command is one subcommand.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

func commands() map[string]command {
	return map[string]command{
		"serve":     cmdServe,
		"migrate":   cmdMigrate,
		"token":     cmdToken,
		"user":      cmdUser,
		"config":    cmdConfig,
		"dkim":      cmdDKIM,
		"bounces":   cmdBounces,
		"campaigns": cmdCampaigns,
		"queue":     cmdQueue,
	}
}

const usage = `usage: postbode COMMAND [flags]

commands:
  serve        run the daemon (all roles, or --roles)
  migrate      apply database migrations
  token        create an admin API token: token create --role R --name N
  user         create a person: user create --email E --role R [--account SLUG] [--password-stdin]
  config       check a config file: config check --config FILE
  dkim         DKIM keys: dkim keygen --domain D --selector S
  bounces      classify bounce messages: bounces classify FILE...
  campaigns    campaigns list | campaigns watch ID
  queue        queue stats`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		return errors.New("unknown command " + args[0] + "\n" + usage)
	}
	return cmd(ctx, args[1:], stdout, stderr)
}
