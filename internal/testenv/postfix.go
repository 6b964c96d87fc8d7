package testenv

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PostfixOptions configure a private Postfix (Postfix).
type PostfixOptions struct {
	// RelayHost is where Postfix sends every message it does not deliver
	// itself (host:port): bounces it makes and mail for RelayDomains.
	RelayHost string
	// RelayDomains are accepted from anyone and sent on to RelayHost.
	RelayDomains []string
	// Refuse maps a recipient domain to the reply RCPT TO gets
	// ("550 5.1.1 no such user", "450 4.2.0 try again later").
	Refuse map[string]string
}

// Postfix is a private Postfix instance on a loopback port, serving
// STARTTLS with a self-signed certificate and PIPELINING. Mail for
// LocalDomain goes to local(8), which knows no user, so every message to it
// bounces with a DSN from Postfix itself (5.1.1 unknown user).
type Postfix struct {
	Addr string
	Port int
	// CertFile is its self-signed certificate (PEM), for clients' trust.
	CertFile string
	dir      string
}

// LocalDomain is the domain Postfix delivers locally (no user exists).
const LocalDomain = "mx.test"

// StartPostfix starts a private Postfix (Debian's postfix package, which
// `make test-tools` installs without a system configuration) with its own
// configuration and queue in a temporary directory, and stops it when the
// test ends. The Postfix master runs as root (it drops privileges to the
// postfix user): as another user the test is skipped.
func StartPostfix(t testing.TB, o PostfixOptions) *Postfix {
	t.Helper()
	bin := Tool(t, "/usr/sbin/postfix", "postfix")
	if os.Geteuid() != 0 {
		t.Skip("a private Postfix needs root to start (its master drops privileges)")
	}
	pu, err := user.Lookup("postfix")
	if err != nil {
		t.Fatalf("postfix user: %v", err)
	}
	uid, _ := strconv.Atoi(pu.Uid)
	// Not t.TempDir: its parents are closed to the postfix user.
	dir, err := os.MkdirTemp("", "postbode-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	p := &Postfix{dir: dir}
	t.Cleanup(func() { os.RemoveAll(dir) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(dir, 0o755))
	must(os.Mkdir(filepath.Join(dir, "queue"), 0o755)) // root's; postfix start makes the rest
	must(os.Mkdir(filepath.Join(dir, "data"), 0o700))
	must(os.Chown(filepath.Join(dir, "data"), uid, -1))
	cert, key := CertFiles(t, dir, LocalDomain)
	p.CertFile = cert
	if _, err := tls.LoadX509KeyPair(cert, key); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	p.Port = ln.Addr().(*net.TCPAddr).Port
	p.Addr = ln.Addr().String()
	ln.Close()

	var access strings.Builder
	for dom, reply := range o.Refuse {
		fmt.Fprintf(&access, "%s %s\n", dom, reply)
	}
	must(os.WriteFile(filepath.Join(dir, "access"), []byte(access.String()), 0o644))
	mainCf := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = %[1]s/maillog
maillog_file_prefixes = %[1]s
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = %[2]s
mydomain = %[2]s
myorigin = %[2]s
mydestination = %[2]s
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
relay_domains = %[3]s
relayhost = [%[4]s]:%[5]s
smtpd_recipient_restrictions = check_recipient_access texthash:%[1]s/access, permit_mynetworks, reject_unauth_destination
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_tls_cert_file = %[6]s
smtpd_tls_key_file = %[7]s
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
biff = no
`, dir, LocalDomain, strings.Join(o.RelayDomains, ", "), hostOf(o.RelayHost), portOf(o.RelayHost), cert, key)
	must(os.WriteFile(filepath.Join(dir, "main.cf"), []byte(mainCf), 0o644))
	must(os.WriteFile(filepath.Join(dir, "master.cf"), []byte(masterCf(t, p.Addr)), 0o644))
	if out, err := exec.Command(bin, "-c", dir, "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s\n%s", err, out, p.Log())
	}
	t.Cleanup(func() { exec.Command(bin, "-c", dir, "stop").Run() })
	for deadline := time.Now().Add(20 * time.Second); ; {
		c, err := net.DialTimeout("tcp", p.Addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("postfix does not listen on %s: %v\n%s", p.Addr, err, p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

// Log is Postfix's mail log so far (for failure messages).
func (p *Postfix) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "maillog"))
	return string(b)
}

var serviceLine = regexp.MustCompile(`^(\S+\s+\S+\s+\S+\s+\S+\s+)\S+(\s.*)$`)

// masterCf is Debian's master.cf with smtpd on addr instead of port 25
// and no service chrooted (the queue is in a temporary directory).
func masterCf(t testing.TB, addr string) string {
	t.Helper()
	b, err := os.ReadFile("/etc/postfix/master.cf")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || l[0] == '#' || l[0] == ' ' || l[0] == '\t' {
			out = append(out, l)
			continue
		}
		if strings.HasPrefix(l, "smtp ") && strings.Contains(l, " inet ") {
			l = addr + " inet n - n - - smtpd"
		}
		out = append(out, serviceLine.ReplaceAllString(l, "${1}n${2}"))
	}
	return strings.Join(out, "\n")
}

func hostOf(hostport string) string { h, _, _ := net.SplitHostPort(hostport); return h }
func portOf(hostport string) string { _, p, _ := net.SplitHostPort(hostport); return p }
