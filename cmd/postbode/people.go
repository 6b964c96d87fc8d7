package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/staff"
)

// userCreateFlags is the flag synopsis of user create, shared by its own
// usage and the top-level help.
const userCreateFlags = "--email E --role R [--name N] [--account SLUG] [--password-stdin]"

// cmdUser creates a person from the command line: the first administrator
// of an installation, or of a new department (account).
func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user create", userCreateFlags+" [--config FILE]", stdout)
	cfgPath := configFlag(fs)
	email := fs.String("email", "", "the person's email address; required")
	name := fs.String("name", "", "the person's name; optional")
	role := fs.String("role", "", "role in the department: admin, marketer, privacy, viewer or a custom role; required")
	account := fs.String("account", "default", "department (account) slug, created when it does not exist; optional")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input; optional, without it an invitation link is printed")
	if err := parseNoArgs(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		return usageErrf(fs, "--email and --role are required")
	}
	cfg, pool, err := loadAndOpen(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer pool.Close()
	svc := staff.New(pool, cfg.Secrets.Key, staff.Options{InviteTTL: cfg.People.InviteTTL.Duration, DefaultLang: cfg.Public.DefaultLang})
	// The department is made in the person's transaction: a refused person
	// leaves no empty department.
	n := staff.NewPerson{Email: *email, Name: *name, DepartmentSlug: *account, Role: *role}
	if !*pwStdin {
		v, link, err := svc.Invite(ctx, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "invitation %s made; accept it at (valid for %s):\n%s\n", v.ID, humantime.Duration(cfg.People.InviteTTL.Duration, "en"),
			staff.LinkURL(adminURLOf(cfg), staff.InvitePath, link))
		return nil
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("read password: %w", err)
	}
	n.Password = strings.TrimRight(line, "\r\n")
	p, err := svc.CreateActive(ctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "person %d created (%s in %s)\n", p.ID, *role, *account)
	return nil
}
