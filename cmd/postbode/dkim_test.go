package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/mta"
)

// TestDKIMKeygen makes a key, publishes the printed TXT record through an
// injected lookup, signs with the key file as the config would load it,
// and verifies with go-msgauth.
func TestDKIMKeygen(t *testing.T) {
	t.Parallel()
	for _, algo := range []string{"rsa", "ed25519"} {
		t.Run(algo, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "key.pem")
			var stdout, stderr bytes.Buffer
			args := []string{"keygen", "--domain", "Example.org", "--selector", "pb2026", "--algorithm", algo, "--out", out}
			if err := cmdDKIM(t.Context(), args, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			st, err := os.Stat(out)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", st, err)
			}
			m := regexp.MustCompile(`(?m)^(\S+)\. IN TXT \( (.*) \)$`).FindStringSubmatch(stdout.String())
			if m == nil || m[1] != "pb2026._domainkey.example.org" {
				t.Fatalf("no TXT record line in:\n%s", stdout.String())
			}
			var record strings.Builder
			for _, q := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(m[2], -1) {
				if len(q[1]) > 255 {
					t.Errorf("TXT string of %d chars", len(q[1]))
				}
				record.WriteString(q[1])
			}
			if !strings.HasPrefix(record.String(), "v=DKIM1; k="+algo+"; p=") {
				t.Errorf("record %q", record.String())
			}
			d, err := loadDKIM([]config.DKIMKey{{Domain: "example.org", Selector: "pb2026", Algorithm: algo, KeyFile: out}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			signed, err := d.Sign(mta.Compose(mta.Header{From: "news@example.org", To: "a@example.net", Subject: "x"}, "<p>hi</p>", "hi"))
			if err != nil {
				t.Fatal(err)
			}
			lookup := func(name string) ([]string, error) {
				if name != m[1] {
					t.Errorf("lookup of %s", name)
				}
				return []string{record.String()}, nil
			}
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: lookup})
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Fatalf("verify: %v %+v", err, vs)
			}
			// `dkim record` prints the same record from the key file.
			var rec bytes.Buffer
			if err := cmdDKIM(t.Context(), []string{"record", "--domain", "example.org", "--selector", "pb2026", "--key", out}, &rec, &stderr); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout.String(), strings.TrimSpace(rec.String())) {
				t.Errorf("record differs:\n%s\nvs\n%s", rec.String(), stdout.String())
			}
			// Never overwrites an existing key.
			if err := cmdDKIM(t.Context(), args, &stdout, &stderr); err == nil {
				t.Error("existing key file overwritten")
			}
		})
	}
	if err := cmdDKIM(t.Context(), []string{"keygen", "--domain", "example.org"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--selector") {
		t.Errorf("missing selector: %v", err)
	}
	if _, err := loadDKIM([]config.DKIMKey{{Domain: "example.org", Selector: "s", KeyFile: "/nonexistent.pem"}}, nil); err == nil || !strings.Contains(err.Error(), "dkim.keys[0].key_file") {
		t.Errorf("missing key file: %v", err)
	}
}
