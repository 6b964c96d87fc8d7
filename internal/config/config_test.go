package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

const testKey = "q7Vx2mP9sLr4TzW8nBc3HjY6dFa1GeUk"

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "postbode.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadValid(t *testing.T) {
	p := writeFile(t, `
[api]
listen = "127.0.0.1:9000"
[sending]
retry_base = "30s"
`)
	cfg, err := Load(p, []string{"POSTBODE_SECRETS_KEY=" + testKey, "POSTBODE_SENDING_WORKERS=4", "POSTBODE_ROLES=api,sender"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.Listen != "127.0.0.1:9000" || cfg.Sending.Workers != 4 || cfg.Sending.RetryBase.Duration != 30*time.Second {
		t.Errorf("unexpected config: %+v", cfg)
	}
	if !reflect.DeepEqual(cfg.Roles, []string{"api", "sender"}) {
		t.Errorf("roles = %v", cfg.Roles)
	}
}

func TestSecretFromFile(t *testing.T) {
	kf := filepath.Join(t.TempDir(), "key")
	os.WriteFile(kf, []byte(testKey+"\n"), 0o600)
	cfg, err := Load("", []string{"POSTBODE_SECRETS_KEY_FILE=" + kf})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Secrets.Key != testKey {
		t.Errorf("key = %q", cfg.Secrets.Key)
	}
}

// TestSecretAndFileBothRefused: a key set both directly and as *_FILE
// (even to the same, valid key) is refused with both variables named,
// rather than one of them silently winning.
func TestSecretAndFileBothRefused(t *testing.T) {
	kf := filepath.Join(t.TempDir(), "key")
	os.WriteFile(kf, []byte(testKey+"\n"), 0o600)
	_, err := Load("", []string{"POSTBODE_SECRETS_KEY=" + testKey, "POSTBODE_SECRETS_KEY_FILE=" + kf})
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Key != "secrets.key" ||
		!strings.Contains(err.Error(), "POSTBODE_SECRETS_KEY and POSTBODE_SECRETS_KEY_FILE") {
		t.Fatalf("err = %v, want secrets.key naming both variables", err)
	}
}

// TestSecretKeyFileInConfig: secrets.key_file is read relative to the
// config file's directory, from any working directory; a missing file names
// the key.
func TestSecretKeyFileInConfig(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "deploy", "dev"), 0o755)
	os.MkdirAll(filepath.Join(dir, ".data"), 0o755)
	os.WriteFile(filepath.Join(dir, ".data", "secret.key"), []byte(testKey+"\n"), 0o600)
	p := filepath.Join(dir, "deploy", "dev", "dev.toml")
	os.WriteFile(p, []byte("[secrets]\nkey_file = \"../../.data/secret.key\"\n"), 0o600)
	cfg, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Secrets.Key != testKey {
		t.Errorf("key = %q", cfg.Secrets.Key)
	}
	os.Remove(filepath.Join(dir, ".data", "secret.key"))
	if _, err := Load(p, nil); err == nil || !strings.Contains(err.Error(), "secrets.key_file") {
		t.Errorf("missing key file: %v", err)
	}
}

// TestFilePathsFromConfigDir: every relative file path written in the
// config file is taken from the file's directory, as secrets.key_file is;
// absolute paths, defaults and environment overrides stay as given.
func TestFilePathsFromConfigDir(t *testing.T) {
	dir, abs := filepath.Join(t.TempDir(), "etc"), t.TempDir()
	for _, f := range []string{"tls/api.crt", "tls/api.key", "tls/mx.crt", "tls/mx.key", "dkim/example.org.pem"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600)
	}
	os.WriteFile(filepath.Join(abs, "public.crt"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(abs, "public.key"), []byte("x"), 0o600)
	p := filepath.Join(dir, "postbode.toml")
	os.WriteFile(p, []byte(strings.ReplaceAll(`[api]
spool_dir = "spool"
[api.tls]
cert_file = "tls/api.crt"
key_file = "tls/api.key"
[public.tls]
cert_file = "ABS/public.crt"
key_file = "ABS/public.key"
[inbound]
tls_cert = "tls/mx.crt"
tls_key = "tls/mx.key"
[smtp]
capture_dir = "outbox"
[[dkim.keys]]
domain = "example.org"
selector = "s1"
key_file = "dkim/example.org.pem"
`, "ABS", abs)), 0o600)
	cfg, err := Load(p, []string{"POSTBODE_SECRETS_KEY=" + testKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ key, got, want string }{
		{"api.spool_dir", cfg.API.SpoolDir, filepath.Join(dir, "spool")},
		{"api.tls.cert_file", cfg.API.TLS.CertFile, filepath.Join(dir, "tls/api.crt")},
		{"api.tls.key_file", cfg.API.TLS.KeyFile, filepath.Join(dir, "tls/api.key")},
		{"public.tls.cert_file", cfg.Public.TLS.CertFile, filepath.Join(abs, "public.crt")},
		{"public.tls.key_file", cfg.Public.TLS.KeyFile, filepath.Join(abs, "public.key")},
		{"inbound.tls_cert", cfg.Inbound.TLSCert, filepath.Join(dir, "tls/mx.crt")},
		{"inbound.tls_key", cfg.Inbound.TLSKey, filepath.Join(dir, "tls/mx.key")},
		{"smtp.capture_dir", cfg.SMTP.CaptureDir, filepath.Join(dir, "outbox")},
		{"dkim.keys[0].key_file", cfg.DKIM.Keys[0].KeyFile, filepath.Join(dir, "dkim/example.org.pem")},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.key, c.got, c.want)
		}
	}
	// A default and an environment override are not in the file.
	os.WriteFile(p, []byte("[inbound]\nlisten = \"127.0.0.1:2525\"\n"), 0o600)
	cfg, err = Load(p, []string{"POSTBODE_SECRETS_KEY=" + testKey, "POSTBODE_INBOUND_TLS_CERT=env/mx.crt",
		"POSTBODE_INBOUND_TLS_KEY=env/mx.key"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP.CaptureDir != Default().SMTP.CaptureDir || cfg.Inbound.TLSCert != "env/mx.crt" || cfg.Inbound.TLSKey != "env/mx.key" {
		t.Errorf("default or environment path changed: capture_dir %q, tls_cert %q, tls_key %q",
			cfg.SMTP.CaptureDir, cfg.Inbound.TLSCert, cfg.Inbound.TLSKey)
	}
}

func TestInvalidNamesKey(t *testing.T) {
	env := []string{"POSTBODE_SECRETS_KEY=" + testKey}
	cases := []struct {
		name, file string
		env        []string
		key        string
	}{
		{"no secret", "", []string{}, "secrets.key"},
		{"short secret", "", []string{"POSTBODE_SECRETS_KEY=short"}, "secrets.key"},
		{"spaces", "", []string{"POSTBODE_SECRETS_KEY=" + strings.Repeat(" ", 32)}, "secrets.key"},
		{"one letter", "", []string{"POSTBODE_SECRETS_KEY=" + strings.Repeat("a", 40)}, "secrets.key"},
		{"placeholder", "", []string{"POSTBODE_SECRETS_KEY=changeme-changeme-changeme-changeme"}, "secrets.key"},
		{"repeated", "", []string{"POSTBODE_SECRETS_KEY=" + strings.Repeat("Xq7!", 10)}, "secrets.key"},
		{"hex run twice", "", []string{"POSTBODE_SECRETS_KEY=0123456789abcdef0123456789abcdef"}, "secrets.key"},
		{"few characters", "", []string{"POSTBODE_SECRETS_KEY=abbaabab-babba-aabbab-baba-abbaababba"}, "secrets.key"},
		{"alphabet", "", []string{"POSTBODE_SECRETS_KEY=abcdefghijklmnopqrstuvwxyz0123456789"}, "secrets.key"},
		{"keyboard digits", "", []string{"POSTBODE_SECRETS_KEY=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, "secrets.key"},
		{"weak old key", "[secrets]\nold_keys = [\"" + strings.Repeat("k", 32) + "\"]", env, "secrets.old_keys[0]"},
		{"data timeout over the session", "[inbound]\ndata_timeout = \"10m\"", env, "inbound.data_timeout"},
		{"unproven window too short", "[inbound]\nunproven_window = \"10s\"", env, "inbound.unproven_window"},
		{"unproven messages zero", "[inbound]\nunproven_messages_per_client = 0", env, "inbound.unproven_messages_per_client"},
		{"unproven bytes below a message", "[inbound]\nunproven_bytes_per_client = 1000000", env, "inbound.unproven_bytes_per_client"},
		{"unproven day below a client", "[inbound]\nunproven_bytes_per_day = 10000000", env, "inbound.unproven_bytes_per_day"},
		{"short session", "[inbound]\nsession_timeout = \"1s\"", env, "inbound.session_timeout"},
		{"no connection per IP", "[inbound]\nmax_connections_per_ip = 0", env, "inbound.max_connections_per_ip"},
		{"huge inbound message", "[inbound]\nmax_message_bytes = 4611686018427387904", env, "inbound.max_message_bytes"},
		{"short read timeout", "[api]\nread_timeout = \"1s\"", env, "api.read_timeout"},
		{"upload timeout below the read timeout", "[api]\nread_timeout = \"2m\"\nupload_timeout = \"1m\"", env, "api.upload_timeout"},
		{"http base url", "[public]\nbase_url = \"http://mail.example.org\"", env, "public.base_url"},
		{"http base url by IP", "[public]\nbase_url = \"http://192.0.2.10:8081\"", env, "public.base_url"},
		{"base url with a query", "[public]\nbase_url = \"https://mail.example.org/?x=1\"", env, "public.base_url"},
		{"base url with a fragment", "[public]\nbase_url = \"https://mail.example.org/p#x\"", env, "public.base_url"},
		{"base url with credentials", "[public]\nbase_url = \"https://u:pw@mail.example.org\"", env, "public.base_url"},
		{"bad listen", "[api]\nlisten = \"nohostport\"", env, "api.listen"},
		{"bad metrics listen", "[metrics]\nlisten = \"nohostport\"", env, "metrics.listen"},
		{"env bad metrics listen", "", append([]string{"POSTBODE_METRICS_LISTEN=:"}, env...), "metrics.listen"},
		{"bad role", "roles = [\"api\", \"mailer\"]", env, "roles"},
		{"bad db url", "[database]\nurl = \"mysql://x\"", env, "database.url"},
		{"bad redis url", "[redis]\nurl = \"http://x\"", env, "redis.url"},
		{"bad log level", "[log]\nlevel = \"loud\"", env, "log.level"},
		{"relay without host", "[smtp]\nmode = \"relay\"", env, "smtp.relay_host"},
		{"bad smtp mode", "[smtp]\nmode = \"pigeon\"", env, "smtp.mode"},
		{"negative threshold", "[bounces]\nhard_threshold = -1", env, "bounces.hard_threshold"},
		{"bad sns topic", "[bounces]\nsns_topic_arns = [\"my-topic\"]", env, "bounces.sns_topic_arns"},
		{"soft window zero", "[bounces]\nsoft_escalate_window = \"0s\"", env, "bounces.soft_escalate_window"},
		{"negative retention", "[retention]\none_star_days = -5", env, "retention.one_star_days"},
		{"invitations kept too briefly", "[people]\nended_retention = \"10m\"", env, "people.ended_retention"},
		{"invitations kept over a year", "[people]\nended_retention = \"9000h\"", env, "people.ended_retention"},
		{"short request link", "[privacy]\nrequest_link_ttl = \"5m\"", env, "privacy.request_link_ttl"},
		{"no request limit", "[privacy]\nrequest_mails_per_hour = 0", env, "privacy.request_mails_per_hour"},
		{"bad colour", "[public]\nprimary_color = \"blue\"", env, "public.primary_color"},
		{"bad mail_from", "[public]\nmail_from = \"not an address\"", env, "public.mail_from"},
		{"bad proxy", "[public]\ntrusted_proxies = [\"10.0.0.0/99\"]", env, "public.trusted_proxies"},
		{"short confirm expiry", "[public]\nconfirm_expiry = \"10s\"", env, "public.confirm_expiry"},
		{"bad editable attribute", "[public]\neditable_attributes = [\"a b\"]", env, "public.editable_attributes"},
		{"huge form limit", "[public]\nmax_form_bytes = 99999999", env, "public.max_form_bytes"},
		{"bad old_keys_until", "[secrets]\nold_keys_until = \"tomorrow\"", env, "secrets.old_keys_until"},
		{"tls half", "[inbound]\ntls_cert = \"a.pem\"", env, "inbound.tls_cert"},
		{"dkim no selector", "[[dkim.keys]]\ndomain = \"example.org\"\nkey_file = \"k.pem\"", env, "dkim.keys[0].selector"},
		{"dkim bad canonicalization", "[[dkim.keys]]\ndomain = \"example.org\"\nselector = \"s\"\nkey_file = \"k.pem\"\ncanonicalization = \"relaxed\"", env, "dkim.keys[0].canonicalization"},
		{"env bad int", "", append([]string{"POSTBODE_SENDING_WORKERS=many"}, env...), "sending.workers"},
		{"env bad duration", "", append([]string{"POSTBODE_SENDING_RETRY_BASE=soon"}, env...), "sending.retry_base"},
		{"workers zero", "[sending]\nworkers = 0", env, "sending.workers"},
		{"queue ahead small", "[sending]\nqueue_ahead = 10", env, "sending.queue_ahead"},
		{"env bad tracking", "", append([]string{"POSTBODE_SENDING_TRACKING=maybe"}, env...), "sending.tracking"},
		{"give up before retry", "[sending]\ngive_up_after = \"1s\"", env, "sending.give_up_after"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := ""
			if tc.file != "" {
				p = writeFile(t, tc.file)
			}
			_, err := Load(p, tc.env)
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("err = %v, want a KeyError for %s", err, tc.key)
			}
			if ke.Key != tc.key {
				t.Errorf("error names %q (%v), want %q", ke.Key, err, tc.key)
			}
		})
	}
}

// A single-host database URL passes without target_session_attrs whatever
// its sslmode (the default, prefer, tries the host twice); several hosts
// without it are refused.
func TestDatabaseURLHosts(t *testing.T) {
	env := []string{"POSTBODE_SECRETS_KEY=" + testKey}
	for _, u := range []string{
		"postgres://postgres@127.0.0.1:5432/postbode",
		"postgres://127.0.0.1/postbode?sslmode=prefer",
		"postgres://127.0.0.1/postbode?sslmode=disable",
		"postgres://a:5432,b:5432/postbode?target_session_attrs=read-write",
	} {
		if _, err := Load("", append([]string{"POSTBODE_DATABASE_URL=" + u}, env...)); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{
		"postgres://a:5432,b:5432/postbode",
		"postgres://127.0.0.1:5432,127.0.0.1:5433/postbode?sslmode=disable",
	} {
		_, err := Load("", append([]string{"POSTBODE_DATABASE_URL=" + u}, env...))
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Key != "database.url" {
			t.Errorf("%s: err = %v, want a KeyError for database.url", u, err)
		}
	}
}

func TestUnknownKeyRejected(t *testing.T) {
	p := writeFile(t, "[api]\nlisten = \"127.0.0.1:1\"\nlisen = \"typo\"")
	_, err := Load(p, []string{"POSTBODE_SECRETS_KEY=" + testKey})
	if err == nil || !strings.Contains(err.Error(), "api.lisen") {
		t.Fatalf("err = %v, want it to name api.lisen", err)
	}
}

func TestMalformedTOML(t *testing.T) {
	p := writeFile(t, "[api\nlisten = ")
	if _, err := Load(p, []string{"POSTBODE_SECRETS_KEY=" + testKey}); err == nil {
		t.Fatal("malformed TOML loaded")
	}
}

// TestExampleDocumentsEveryKey keeps deploy/postbode.example.toml complete:
// it must load, and every key of Config must appear in it.
func TestExampleDocumentsEveryKey(t *testing.T) {
	path := filepath.Join("..", "..", "deploy", "postbode.example.toml")
	if _, err := Load(path, []string{"POSTBODE_SECRETS_KEY=" + testKey}); err != nil {
		t.Fatalf("example config does not load: %v", err)
	}
	var cfg Config
	md, err := toml.DecodeFile(path, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, k := range md.Keys() {
		present[k.String()] = true
	}
	raw, _ := os.ReadFile(path)
	for _, key := range structKeys(reflect.TypeOf(Config{}), "") {
		// Array-of-table keys are documented commented out.
		if !present[key] && !strings.Contains(string(raw), "# "+key[strings.LastIndex(key, ".")+1:]+" =") {
			t.Errorf("key %s is not documented in deploy/postbode.example.toml", key)
		}
	}
}

func structKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("toml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			out = append(out, structKeys(ft.Elem(), key)...)
			continue
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(Duration{}) {
			out = append(out, structKeys(ft, key)...)
			continue
		}
		out = append(out, key)
	}
	return out
}

func TestVerifyingOldKeys(t *testing.T) {
	old := []string{"old-key-old-key-old-key-old-key-1"}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		until string
		want  int
	}{{"", 1}, {"2026-12-01T00:00:00Z", 1}, {"2026-10-01T00:00:00Z", 0}} {
		s := SecretsConfig{Key: testKey, OldKeys: old, OldKeysUntil: c.until}
		if got := len(s.VerifyingOldKeys(now)); got != c.want {
			t.Errorf("until %q: %d old keys verify, want %d", c.until, got, c.want)
		}
	}
}

// Random keys as the README suggests generating them pass the key check;
// http base URLs pass only for localhost and loopback hosts.
func TestStrongKeysAndLocalHTTP(t *testing.T) {
	for i := 0; i < 2000; i++ {
		b := make([]byte, 48)
		rand.Read(b)
		for _, k := range []string{base64.StdEncoding.EncodeToString(b), hex.EncodeToString(b[:16])} {
			if why := weakKey(k); why != "" {
				t.Fatalf("random key %q refused: %s", k, why)
			}
		}
	}
	for _, u := range []string{"http://localhost:8081", "http://127.0.0.1:9000", "http://[::1]:8081", "http://pb.localhost", "https://mail.example.org"} {
		c := defaultPublic()
		c.BaseURL = u
		if err := c.validate(); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// The development key is written readable by its owner only (an existing
// one is tightened) and passes the key check.
func TestDevKeyFile(t *testing.T) {
	script, _ := filepath.Abs(filepath.Join("..", "..", "deploy", "dev", "services.sh"))
	run := func(dir string) string {
		cmd := exec.Command("bash", script, "key")
		cmd.Env = append(os.Environ(), "POSTBODE_DEV_DATA="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("services.sh key: %v\n%s", err, out)
		}
		st, err := os.Stat(filepath.Join(dir, "secret.key"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("secret.key mode %o, want 600", st.Mode().Perm())
		}
		b, _ := os.ReadFile(filepath.Join(dir, "secret.key"))
		return string(b)
	}
	fresh := t.TempDir()
	if k := run(fresh); weakKey(k) != "" {
		t.Errorf("generated key refused: %s", weakKey(k))
	}
	old := t.TempDir()
	os.WriteFile(filepath.Join(old, "secret.key"), []byte(testKey), 0o644)
	if k := run(old); k != testKey {
		t.Errorf("existing key replaced")
	}
}
