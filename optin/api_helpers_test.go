package optin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/staff"
)

const testSecret = "test-secret-key-0123456789abcdef0123"

// env is one API under test on its own database.
type env struct {
	t      *testing.T
	url    string
	db     *db.Pool
	tokens map[string]string // role → bearer secret
	router *httpapi.Router
	spool  string // the spool directory of uploads
	// modules are the parts of the API under test.
	modules []httpapi.Module
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := testenv.DB(t)
	log := testenv.Logger(t)
	ts := apitoken.NewStore(pool)
	cs := contacts.NewStore(pool, testSecret, 2)
	js := jobs.NewStore(pool)
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, log, ts, httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	ctx, cancel := context.WithCancel(context.Background())
	spool := t.TempDir()
	listStore := optin.NewStore(pool)
	srv := optin.NewAPI(ctx, &optin.API{Store: listStore, Contacts: cs, Jobs: js, Importer: optin.NewImporter(pool, cs, js, log),
		MaxBodyBytes: 64 << 10, MaxImportBytes: 256 << 20, SpoolDir: spool})
	mods := []httpapi.Module{&contacts.API{Store: cs, DB: pool, Lists: listStore, MaxBodyBytes: 64 << 10}, srv,
		&staff.TokenAPI{Tokens: ts, Staff: staff.New(pool, testSecret, staff.Options{}), MaxBodyBytes: 64 << 10}}
	httpapi.Mount(rt, mods...)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { hs.Close(); cancel(); srv.Wait() })
	e := &env{t: t, url: hs.URL, db: pool, tokens: map[string]string{}, router: rt, spool: spool, modules: mods}
	for _, role := range apitoken.Roles {
		_, secret, err := ts.Create(t.Context(), role+" test", role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

// do sends a request as role ("" for none) and decodes a JSON answer into out.
func (e *env) do(role, method, path string, body any, out any) int {
	e.t.Helper()
	bearer := ""
	if role != "" {
		bearer = e.tokens[role]
	}
	code, raw := call(e.t, e.url, bearer, method, path, body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decoding %q: %v", method, path, raw, err)
		}
	}
	return code
}

// call sends one API request (body nil, a string, bytes or a value sent as
// JSON) with an optional bearer token and returns the status and body.
func call(t *testing.T, base, bearer, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// apiError is the error shape.
type apiError struct {
	Error struct {
		Code, Message, Field string
	} `json:"error"`
}

func (e *env) mustStatus(want int, role, method, path string, body any, out any) {
	e.t.Helper()
	var raw json.RawMessage
	got := e.do(role, method, path, body, &raw)
	if got != want {
		e.t.Fatalf("%s %s as %q: status %d, want %d: %s", method, path, role, got, want, raw)
	}
	if out != nil {
		json.Unmarshal(raw, out)
	}
}

func (e *env) createList(slug, optinMode string) int64 {
	e.t.Helper()
	var l struct{ ID int64 }
	e.mustStatus(201, "marketer", "POST", "/api/v1/lists", map[string]any{
		"slug": slug, "name": "List " + slug, "purpose": "news about " + slug, "optin": optinMode}, &l)
	return l.ID
}

// waitJob polls a job until it is no longer running.
func (e *env) waitJob(id int64) jobs.Job {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var j jobs.Job
		e.mustStatus(200, "viewer", "GET", "/api/v1/jobs/"+itoa(id), nil, &j)
		if j.Status != "running" {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %d still running: %+v", id, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
