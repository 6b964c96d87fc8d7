package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// usageError is a command line the command cannot run: exit status 2, the
// message and the command's usage on stderr.
type usageError struct {
	msg, usage string
}

func (e *usageError) Error() string { return e.msg }

// newFlags returns the flag set of `postbode NAME`; synopsis is what follows
// the name in its usage line. -h/--help prints the usage and the flags on
// stdout (see parseFlags).
func newFlags(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() { fmt.Fprint(fs.Output(), flagsUsage(fs, synopsis)) }
	return fs
}

// flagsUsage is the usage line of fs and its flags.
func flagsUsage(fs *flag.FlagSet, synopsis string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "usage: postbode %s %s\n", fs.Name(), synopsis)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		b.WriteString("\nflags:\n")
		out := fs.Output()
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
	return b.String()
}

// parseFlags parses args with fs (made by newFlags). It returns
// flag.ErrHelp after printing the help, and a *usageError for a bad flag.
func parseFlags(fs *flag.FlagSet, args []string) error {
	help, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = help
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		help()
		return flag.ErrHelp
	case err != nil:
		return usageErrf(fs, "%v", err)
	}
	return nil
}

// parseNoArgs is parseFlags for a command that takes no positional argument.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrf(fs, "unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parseID parses a command line of one positional ID and flags, the ID
// before or after the flags: `watch 42 --interval 1s` or `watch --interval 1s 42`.
func parseID(fs *flag.FlagSet, args []string) (int64, error) {
	var pos []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = args[:1], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return 0, err
	}
	pos = append(pos, fs.Args()...)
	if len(pos) != 1 {
		return 0, usageErrf(fs, "want exactly one ID, got %d arguments", len(pos))
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrf(fs, "ID must be a positive number, got %q", pos[0])
	}
	return id, nil
}

// usageErrf is a usage error of the command of fs.
func usageErrf(fs *flag.FlagSet, format string, a ...any) error {
	var b bytes.Buffer
	out := fs.Output()
	fs.SetOutput(&b)
	fs.Usage()
	fs.SetOutput(out)
	return &usageError{msg: fs.Name() + ": " + fmt.Sprintf(format, a...), usage: strings.TrimSpace(b.String())}
}
