// Command postbode is the postbode daemon and its ops commands. `postbode
// help` lists them all; every command takes -h/--help.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := exitCode(run(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(code)
}

// exitCode reports err on w and maps it to the exit status: 0 for success
// and for help, 2 for a usage error, 1 for any other failure.
func exitCode(err error, w io.Writer) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(w, "postbode:", ue.msg)
		fmt.Fprintln(w, ue.usage)
		return 2
	}
	fmt.Fprintln(w, "postbode:", err)
	return 1
}

// command is one top-level command. A command with subs takes a
// subcommand as its first argument and its run gets the whole argument list
// (subcommand included).
type command struct {
	name    string
	summary string
	subs    []subcommand
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// subcommand is one subcommand of a command, for help and dispatch.
type subcommand struct {
	name, summary string
}

// commands lists every command in the order of the help text.
func commands() []command {
	return []command{
		{name: "serve", summary: "run the daemon (all roles, or --roles)", run: cmdServe},
		{name: "migrate", summary: "apply database migrations", run: cmdMigrate},
		{name: "token", run: cmdToken, subs: []subcommand{
			{"create", "create a service token of the default department (--role R --name N [--replace]); prints its secret once"}}},
		{name: "user", run: cmdUser, subs: []subcommand{
			{"create", "create a person (" + userCreateFlags + ")"}}},
		{name: "config", run: cmdConfig, subs: []subcommand{
			{"check", "validate a config file (--config FILE)"}}},
		{name: "dkim", run: cmdDKIM, subs: []subcommand{
			{"keygen", "make a DKIM key and print its DNS record"},
			{"record", "print the DNS record of an existing key"}}},
		{name: "bounces", run: cmdBounces, subs: []subcommand{
			{"classify", "classify bounce messages (FILE... or stdin)"}}},
		{name: "campaigns", run: cmdCampaigns, subs: []subcommand{
			{"list", "list campaigns with their progress"},
			{"watch", "follow one campaign's progress until it ends"},
			{"pause", "pause a running campaign"},
			{"resume", "resume a paused campaign"},
			{"cancel", "cancel a campaign"}}},
		{name: "queue", run: cmdQueue, subs: []subcommand{
			{"stats", "the Redis queue of every running or paused campaign"}}},
		{name: "retention", run: cmdRetention, subs: []subcommand{
			{"run", "run one retention pass now and print what was erased per cause (--dry-run: only count)"}}},
		{name: "version", summary: "print the version and commit", run: cmdVersion},
	}
}

// usage is the top-level help.
func usage() string {
	s := "usage: postbode COMMAND [SUBCOMMAND] [flags]   (postbode COMMAND --help for its flags)\n\ncommands:\n"
	for _, c := range commands() {
		if c.subs == nil {
			s += fmt.Sprintf("  %-20s %s\n", c.name, c.summary)
		}
		for _, sc := range c.subs {
			s += fmt.Sprintf("  %-20s %s\n", c.name+" "+sc.name, sc.summary)
		}
	}
	return s + "\nEvery command reads the config from --config FILE or POSTBODE_CONFIG (in a checkout after make run: .data/postbode.toml), plus POSTBODE_* overrides."
}

// groupUsage is the help of a command with subcommands.
func groupUsage(c command) string {
	s := fmt.Sprintf("usage: postbode %s SUBCOMMAND [flags]\n\nsubcommands:\n", c.name)
	for _, sc := range c.subs {
		s += fmt.Sprintf("  %-10s %s\n", sc.name, sc.summary)
	}
	return s + fmt.Sprintf("\npostbode %s SUBCOMMAND --help shows its flags.", c.name)
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// run dispatches args to a command.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{msg: "missing command", usage: usage()}
	}
	if isHelp(args[0]) {
		fmt.Fprintln(stdout, usage())
		return flag.ErrHelp
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		if c.subs != nil {
			if err := checkSub(c, args[1:], stdout); err != nil {
				return err
			}
		}
		return c.run(ctx, args[1:], stdout, stderr)
	}
	return &usageError{msg: "unknown command " + args[0], usage: usage()}
}

// checkSub answers help for a command with subcommands and refuses a
// missing or unknown subcommand.
func checkSub(c command, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return &usageError{msg: c.name + ": missing subcommand", usage: groupUsage(c)}
	}
	if isHelp(args[0]) {
		fmt.Fprintln(stdout, groupUsage(c))
		return flag.ErrHelp
	}
	for _, sc := range c.subs {
		if sc.name == args[0] {
			return nil
		}
	}
	return &usageError{msg: fmt.Sprintf("%s: unknown subcommand %q", c.name, args[0]), usage: groupUsage(c)}
}
