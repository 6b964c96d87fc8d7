package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/redisconn"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
)

// TestErasureDeletesActionCapCounters wires the action cap and the privacy
// service as serve does: an open writes a counter under a keyed hash (the
// contact id appears in no key), and erasing the contact deletes it.
func TestErasureDeletesActionCapCounters(t *testing.T) {
	_, dbURL := testenv.DBWithURL(t)
	rdb, prefix := testenv.Redis(t)
	cfg := config.Default()
	cfg.Database.URL, cfg.Database.Migrate = dbURL, false
	cfg.Redis.URL, cfg.Redis.KeyPrefix = testenv.RedisURL(), prefix
	cfg.Secrets.Key = "action-cap-wiring-secret-0123456789abcdef"
	cfg.Public.BaseURL, cfg.Public.MailFrom = "https://post.example.org", "Org <noreply@example.org>"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := newApp(ctx, cfg, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	c, err := a.contacts.Create(ctx, contacts.New{Email: "zoe@example.net", Name: "Zoë", Source: "webform"})
	if err != nil {
		t.Fatal(err)
	}
	log := optin.NewActionLog(a.db, testenv.Logger(t), nil)
	log.SetCap(a.actionCap())
	defer log.Close(ctx)
	at := time.Now()
	log.Record(ctx, optin.Action{ContactID: c.ID, Action: optin.ActOpen, At: at})
	if err := log.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	keys := func() []string {
		t.Helper()
		k, err := rdb.Keys(ctx, prefix+"act:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	want := redisconn.WindowKey(prefix+"act:"+a.contacts.CounterKey("contact", strconv.FormatInt(c.ID, 10)), 24*time.Hour, at)
	if k := keys(); len(k) != 1 || k[0] != want {
		t.Fatalf("counter keys after an open: %q", k)
	}
	if err := a.privacy().Erase(ctx, c.ID, privacy.CauseRequest, "token:1:test"); err != nil {
		t.Fatal(err)
	}
	if k := keys(); len(k) != 0 {
		t.Fatalf("counter keys after erasure: %q", k)
	}
}
