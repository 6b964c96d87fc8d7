package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postbode/postbode/internal/rtoken"
)

// The public role of the real binary: the update page answers, one-click
// unsubscribes, the follow-up API is wired, every logged action is in
// Postgres after a SIGTERM (the action log drains at shutdown), and the
// janitor's double opt-in expiry runs.
func TestPublicRoleEndToEnd(t *testing.T) {
	pub := freeAddr(t)
	d := startDaemon(t, "api,public,janitor", "POSTBODE_PUBLIC_LISTEN="+pub, "POSTBODE_PUBLIC_EDITABLE_ATTRIBUTES=city")
	var dbURL string
	for _, kv := range d.env {
		if v, ok := strings.CutPrefix(kv, "POSTBODE_DATABASE_URL="); ok {
			dbURL = v
		}
	}
	db, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	token := d.cli(t, "token", "create", "--role", "admin", "--name", "e2e")
	if code, body := d.request(t, token, "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != 201 {
		t.Fatalf("create list: %d %s", code, body)
	}
	code, body := d.request(t, token, "POST", "/api/v1/contacts",
		`{"email":"e2e@example.org","name":"Eva","attributes":{"city":"Zwolle"},"lists":["news"],"consent":{"source":"api","purpose":"news"}}`)
	if code != 201 {
		t.Fatalf("create contact: %d %s", code, body)
	}
	var c struct{ ID int64 }
	json.Unmarshal([]byte(body), &c)
	var camp int64
	if err := db.QueryRow(context.Background(), `INSERT INTO campaigns (name, kind, status, subject, from_email, list_ids)
		SELECT 'check', 'update', 'finished', 'Check', 'news@example.org', array_agg(id) FROM lists RETURNING id`).Scan(&camp); err != nil {
		t.Fatal(err)
	}
	keys := rtoken.NewKeys("e2e-secret-0123456789abcdef0123456789")
	base := "http://" + pub

	resp, err := http.Get(base + rtoken.Path(rtoken.Update) + "/" + keys.Mint(rtoken.Claims{Purpose: rtoken.Update, ContactID: c.ID, CampaignID: camp}))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Eva") || !strings.Contains(string(page), "Zwolle") {
		t.Fatalf("update page: %d\n%s", resp.StatusCode, page)
	}

	const clicks = 200
	unsub := base + "/u/" + keys.Mint(rtoken.Claims{Purpose: rtoken.Unsubscribe, ContactID: c.ID, CampaignID: camp})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < clicks; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
			if err == nil {
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				if r.StatusCode == 200 {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if ok != clicks {
		t.Fatalf("%d of %d one-click POSTs answered 200", ok, clicks)
	}
	if code, body := d.request(t, token, "GET", fmt.Sprintf("/api/v1/update-mailings/%d/report", camp), ""); code != 200 || !strings.Contains(body, `"counts"`) {
		t.Fatalf("follow-up report: %d %s", code, body)
	}
	if _, doc := d.request(t, "", "GET", "/api/v1/openapi.json", ""); !strings.Contains(doc, "/api/v1/update-mailings/{id}/purge") {
		t.Error("OpenAPI document lacks the follow-up routes")
	}

	// Stop at once: what the log buffered must still reach Postgres.
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("did not stop within 25s of SIGTERM")
	}
	var logged, optOuts int64
	db.QueryRow(context.Background(), `SELECT count(*) FROM recipient_actions WHERE contact_id = $1 AND action = 'one-click'`, c.ID).Scan(&logged)
	db.QueryRow(context.Background(), `SELECT count(*) FROM consent_records WHERE contact_id = $1 AND action = 'opt-out' AND source = 'one-click'`, c.ID).Scan(&optOuts)
	if logged != clicks || optOuts != 1 {
		t.Fatalf("after shutdown: %d one-click actions logged (want %d), %d opt-out records (want 1)", logged, clicks, optOuts)
	}
	if strings.Contains(d.logs.String(), "e2e@example.org") {
		t.Error("a full address reached the logs")
	}
	// The janitor ran the double opt-in expiry without error.
	if strings.Contains(d.logs.String(), "expire unconfirmed subscriptions") {
		t.Errorf("janitor expiry failed:\n%s", d.logs)
	}
}
