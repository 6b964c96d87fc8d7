package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/testenv"
)

// runCLI runs the command line in process and returns its exit status,
// stdout and stderr.
func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := exitCode(run(context.Background(), args, &out, &errOut), &errOut)
	return code, out.String(), errOut.String()
}

// commandLines returns every runnable command line: each command, and each
// subcommand of a command that has them.
func commandLines() [][]string {
	var lines [][]string
	for _, c := range commands() {
		if c.subs == nil {
			lines = append(lines, []string{c.name})
		}
		for _, sc := range c.subs {
			lines = append(lines, []string{c.name, sc.name})
		}
	}
	return lines
}

// TestCLIHelpEveryCommand walks every command and subcommand: -h and
// --help print its usage on stdout and exit 0 without doing anything
// else; an unknown flag is a usage error (exit 2).
func TestCLIHelpEveryCommand(t *testing.T) {
	lines := commandLines()
	if len(lines) < 14 {
		t.Fatalf("only %d command lines: %v", len(lines), lines)
	}
	for _, line := range lines {
		name := strings.Join(line, " ")
		t.Run(name, func(t *testing.T) {
			for _, h := range []string{"--help", "-h"} {
				code, out, errOut := runCLI(append(line, h)...)
				if code != 0 || !strings.HasPrefix(out, "usage: postbode "+name) || errOut != "" {
					t.Errorf("%s %s: exit %d\nstdout: %s\nstderr: %s", name, h, code, out, errOut)
				}
			}
			code, out, errOut := runCLI(append(line, "--no-such-flag")...)
			if code != 2 || out != "" || !strings.Contains(errOut, "flag provided but not defined") || !strings.Contains(errOut, "usage: postbode "+name) {
				t.Errorf("%s --no-such-flag: exit %d\nstdout: %s\nstderr: %s", name, code, out, errOut)
			}
		})
	}
}

// TestCLITopLevelHelp: the top-level help lists every command line, help
// exits 0, a bare or unknown command exits 2.
func TestCLITopLevelHelp(t *testing.T) {
	for _, h := range []string{"--help", "-h", "help"} {
		code, out, _ := runCLI(h)
		if code != 0 {
			t.Errorf("%s: exit %d", h, code)
		}
		for _, line := range commandLines() {
			if !strings.Contains(out, "  "+strings.Join(line, " ")+" ") {
				t.Errorf("%s does not list %q:\n%s", h, strings.Join(line, " "), out)
			}
		}
	}
	for _, want := range []string{"campaigns pause", "campaigns resume", "campaigns cancel", "version"} {
		if _, out, _ := runCLI("--help"); !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	for _, args := range [][]string{{}, {"nope"}, {"campaigns"}, {"campaigns", "nope"}, {"token"}, {"queue", "stats", "extra"}} {
		code, out, errOut := runCLI(args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "usage: postbode") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	for _, c := range commands() {
		if c.subs == nil {
			continue
		}
		if code, out, _ := runCLI(c.name, "--help"); code != 0 || !strings.HasPrefix(out, "usage: postbode "+c.name+" SUBCOMMAND") {
			t.Errorf("%s --help: exit %d\n%s", c.name, code, out)
		}
	}
}

// TestCLIUsageErrors: bad positional arguments exit 2 and name the problem;
// `bounces classify --help` opens no file; `campaigns watch --help` is help.
func TestCLIUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"campaigns", "watch"}, 2, "want exactly one ID"},
		{[]string{"campaigns", "watch", "x"}, 2, `ID must be a positive number, got "x"`},
		{[]string{"campaigns", "pause", "1", "2"}, 2, "want exactly one ID, got 2"},
		{[]string{"campaigns", "watch", "1", "--interval", "0s"}, 2, "--interval must be positive"},
		{[]string{"token", "create", "--name", "x"}, 2, "--role and --name are required"},
		{[]string{"dkim", "keygen", "--selector", "s"}, 2, "--domain: required"},
		{[]string{"bounces", "classify", "--help"}, 0, ""},
		{[]string{"campaigns", "watch", "--help"}, 0, ""},
		{[]string{"bounces", "classify", "/nonexistent/msg.eml"}, 1,
			"postbode: bounces classify: /nonexistent/msg.eml: cannot open: no such file or directory\npostbode: bounces classify: 1 of 1 message not classified\n"},
		{[]string{"campaigns", "list", "--status", "sent"}, 2, `--status must be draft, scheduled, running, paused, cancelled or finished, got "sent"`},
		{[]string{"campaigns", "list", "--limit", "-1"}, 2, "--limit must be positive"},
		{[]string{"campaigns", "list", "--limit", "0"}, 2, "--limit must be positive"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
}

// TestCLIExitStatus runs the built binary: help exits 0, a bare postbode
// prints the usage and exits 2, version prints the build's version.
func TestCLIExitStatus(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "campaigns cancel"},
		{[]string{"campaigns", "list", "--help"}, 0, "--status"},
		{nil, 2, "usage: postbode"},
		{[]string{"version"}, 0, "postbode "},
	} {
		out, err := exec.Command(binPath, tt.args...).CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.code || !strings.Contains(string(out), tt.want) || strings.Contains(string(out), "help requested") {
			t.Errorf("postbode %q: exit %d, want %d with %q:\n%s", tt.args, code, tt.code, tt.want, out)
		}
	}
}

// TestTokenCreateReplace: make run creates its admin token with --replace,
// so the token of the previous run stops working and only one stays live.
func TestTokenCreateReplace(t *testing.T) {
	pool, dbURL := testenv.DBWithURL(t)
	env := append(envWithout("POSTBODE_"), "POSTBODE_DATABASE_URL="+dbURL, "POSTBODE_SECRETS_KEY=cli-secret-0123456789abcdef0123456789")
	create := func(args ...string) {
		cmd := exec.Command(binPath, append([]string{"token", "create", "--role", "admin", "--name", "make-run"}, args...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("token create %v: %v\n%s", args, err, out)
		}
	}
	live := func() (n int) {
		pool.QueryRow(t.Context(), `SELECT count(*) FROM api_tokens WHERE name = 'make-run' AND revoked_at IS NULL`).Scan(&n)
		return n
	}
	create()
	create()
	if n := live(); n != 2 {
		t.Fatalf("%d live tokens after two plain creates, want 2", n)
	}
	create("--replace")
	if n := live(); n != 1 {
		t.Errorf("%d live tokens after --replace, want 1", n)
	}
}

// TestUserInviteAllOrNothing: user create without --password-stdin writes
// the new department and the invitation in one transaction. When the
// invitation cannot be stored (a trigger refuses it, as a full disk would)
// the command fails and leaves neither department nor person; once the
// store works the same command succeeds and prints the link, and no
// person exists until the invitation is accepted.
func TestUserInviteAllOrNothing(t *testing.T) {
	pool, dbURL := testenv.DBWithURL(t)
	env := append(envWithout("POSTBODE_"), "POSTBODE_DATABASE_URL="+dbURL, "POSTBODE_SECRETS_KEY=cli-secret-0123456789abcdef0123456789")
	invite := func() (string, error) {
		cmd := exec.Command(binPath, "user", "create", "--email", "ann@example.org", "--role", "admin", "--account", "sales")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	count := func(sql string) (n int) {
		if err := pool.QueryRow(t.Context(), sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, sql := range []string{`CREATE FUNCTION refuse_link() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
		`CREATE TRIGGER refuse_link BEFORE INSERT ON invitations FOR EACH ROW EXECUTE FUNCTION refuse_link()`} {
		if _, err := pool.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := invite(); err == nil {
		t.Fatalf("user create succeeded while its link could not be stored:\n%s", out)
	}
	for what, sql := range map[string]string{
		"persons":     `SELECT count(*) FROM persons WHERE email = 'ann@example.org'`,
		"memberships": `SELECT count(*) FROM memberships`,
		"departments": `SELECT count(*) FROM departments WHERE slug = 'sales'`,
		"invitations": `SELECT count(*) FROM invitations`,
	} {
		if n := count(sql); n != 0 {
			t.Errorf("failed user create left %d %s behind", n, what)
		}
	}
	if _, err := pool.Exec(t.Context(), `DROP TRIGGER refuse_link ON invitations`); err != nil {
		t.Fatal(err)
	}
	out, err := invite()
	if err != nil || !strings.Contains(out, "/invite") {
		t.Fatalf("user create once the store works: %v\n%s", err, out)
	}
	if n := count(`SELECT count(*) FROM invitations i JOIN departments d ON d.id = i.department_id
		WHERE i.email = 'ann@example.org' AND d.slug = 'sales' AND i.role = 'admin'`); n != 1 || count(`SELECT count(*) FROM persons`) != 0 {
		t.Errorf("%d invitations of ann to sales, want 1, and no person yet", n)
	}
}

// TestUserCreateAllOrNothing: user create for a person who exists already,
// into a department that does not, fails and leaves no empty department;
// a fresh person into a new department gets both. The top-level help lists
// every flag of user create.
func TestUserCreateAllOrNothing(t *testing.T) {
	pool, dbURL := testenv.DBWithURL(t)
	env := append(envWithout("POSTBODE_"), "POSTBODE_DATABASE_URL="+dbURL, "POSTBODE_SECRETS_KEY=cli-secret-0123456789abcdef0123456789")
	create := func(email, account string) (string, error) {
		cmd := exec.Command(binPath, "user", "create", "--email", email, "--role", "admin", "--account", account, "--password-stdin")
		cmd.Env, cmd.Stdin = env, strings.NewReader("a long passphrase for the cli test\n")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	depts := func(slug string) (n int) {
		pool.QueryRow(t.Context(), `SELECT count(*) FROM departments WHERE slug = $1`, slug).Scan(&n)
		return n
	}
	if out, err := create("root@example.org", "default"); err != nil {
		t.Fatalf("first user create: %v\n%s", err, out)
	}
	out, err := create("root@example.org", "sales")
	if err == nil || !strings.Contains(out, "exists") {
		t.Fatalf("user create of an existing person: %v\n%s", err, out)
	}
	if n := depts("sales"); n != 0 {
		t.Errorf("refused user create left %d department(s) sales behind", n)
	}
	if out, err := create("ann@example.org", "sales"); err != nil || depts("sales") != 1 {
		t.Fatalf("user create into a new department: %v\n%s", err, out)
	}
	var members int
	pool.QueryRow(t.Context(), `SELECT count(*) FROM memberships m JOIN departments d ON d.id = m.department_id WHERE d.slug = 'sales'`).Scan(&members)
	if members != 1 {
		t.Errorf("sales has %d members, want 1", members)
	}
	_, top, _ := runCLI("--help")
	_, own, _ := runCLI("user", "create", "--help")
	help := ""
	for _, line := range strings.Split(top, "\n") {
		if strings.HasPrefix(line, "  user create ") {
			help = line
		}
	}
	for _, flag := range []string{"--email", "--role", "--name", "--account", "--password-stdin"} {
		if !strings.Contains(help, flag) || !strings.Contains(own, flag) {
			t.Errorf("help of user create lacks %s", flag)
		}
	}
}
