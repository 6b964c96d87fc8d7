package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/postbode/postbode/mta"
)

// cmdDKIM runs `postbode dkim keygen|record ...`.
func cmdDKIM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if args[0] == "record" {
		return cmdDKIMRecord(args[1:], stdout, stderr)
	}
	fs := newFlags("dkim keygen", "--domain D --selector S [--algorithm rsa|ed25519] [--out FILE]", stdout)
	domain := fs.String("domain", "", "From domain the key signs for; required")
	selector := fs.String("selector", "", "DNS selector, e.g. pb2026; required")
	algorithm := fs.String("algorithm", "rsa", "rsa (2048-bit) or ed25519; optional")
	out := fs.String("out", "", "file for the PEM private key (written 0600, never overwritten); optional, default DOMAIN.SELECTOR.pem")
	if err := parseNoArgs(fs, args[1:]); err != nil {
		return err
	}
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(*domain), "."))
	switch {
	case d == "" || strings.ContainsAny(d, " /;="):
		return usageErrf(fs, "--domain: required, a domain name")
	case *selector == "" || strings.ContainsAny(*selector, " /;="):
		return usageErrf(fs, "--selector: required, letters, digits, '-' or '.'")
	case *algorithm != "rsa" && *algorithm != "ed25519":
		return usageErrf(fs, "--algorithm: must be rsa or ed25519")
	}
	if *out == "" {
		*out = d + "." + *selector + ".pem"
	}
	key, err := mta.GenerateDKIMKey(*algorithm)
	if err != nil {
		return err
	}
	pemBytes, err := mta.MarshalPrivateKey(key)
	if err != nil {
		return err
	}
	record, err := mta.DKIMRecord(key.Public())
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("dkim keygen: --out: %w", err)
	}
	if _, err = f.Write(pemBytes); err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err != nil {
		os.Remove(*out)
		return fmt.Errorf("dkim keygen: write %s: %w", *out, err)
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(stdout, "# private key written to %s (mode 0600; keep it secret)\n", abs)
	printRecord(stdout, d, *selector, record)
	fmt.Fprintf(stdout, "# then add to the config:\n[[dkim.keys]]\ndomain = %q\nselector = %q\nalgorithm = %q\nkey_file = %q\n",
		d, *selector, *algorithm, abs)
	return nil
}

// printRecord prints the TXT record in zone-file form, split into strings
// of at most 255 characters.
func printRecord(w io.Writer, domain, selector, record string) {
	var quoted []string
	for _, p := range mta.SplitTXT(record) {
		quoted = append(quoted, `"`+p+`"`)
	}
	fmt.Fprintf(w, "# publish this DNS TXT record:\n%s._domainkey.%s. IN TXT ( %s )\n", selector, domain, strings.Join(quoted, " "))
}

// cmdDKIMRecord prints the TXT record of an existing key file.
func cmdDKIMRecord(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("dkim record", "--domain D --selector S --key FILE", stdout)
	domain := fs.String("domain", "", "From domain; required")
	selector := fs.String("selector", "", "DNS selector; required")
	keyFile := fs.String("key", "", "PEM private key file; required")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *domain == "" || *selector == "" || *keyFile == "" {
		return usageErrf(fs, "--domain, --selector and --key are required")
	}
	pemBytes, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("dkim record: --key: %w", err)
	}
	key, err := mta.ParsePrivateKey(pemBytes)
	if err != nil {
		return fmt.Errorf("dkim record: --key %s: %w", *keyFile, err)
	}
	record, err := mta.DKIMRecord(key.Public())
	if err != nil {
		return err
	}
	printRecord(stdout, strings.ToLower(strings.TrimSuffix(*domain, ".")), *selector, record)
	return nil
}
