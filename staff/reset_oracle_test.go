package staff_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postbode/postbode/staff"
)

// gateMailer holds every mail until open is closed, then records it, or
// fails it when fail is set.
type gateMailer struct {
	open chan struct{}
	fail bool
	mu   sync.Mutex
	sent []string
}

func (m *gateMailer) Send(ctx context.Context, to, subject, html, text string) error {
	select {
	case <-m.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	if m.fail {
		return errors.New("relay refused: 451 try again later")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+"\n"+text)
	return nil
}

func (m *gateMailer) all() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.sent, "\n")
}

// TestResetRequestIsNoOracle: "Forgot your password?" answers an address
// with an account exactly as one without, also when its mail cannot be
// delivered (before: a 500 for the account only) and before the mail is
// out (before: the answer waited for delivery, a relay's round trips
// telling the addresses with an account apart by time). The link is
// mailed after the answer.
func TestResetRequestIsNoOracle(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("ann@example.org", "viewer")
	hs, _ := newAPI(t, f)
	ask := func(email string) (int, string) {
		r, b := call(t, hs, "POST", "/api/v1/auth/reset-request", `{"email":"`+email+`"}`, nil)
		return r.StatusCode, b
	}

	// A relay that refuses: the same answer for both.
	failing := &gateMailer{open: make(chan struct{}), fail: true}
	close(failing.open)
	f.svc.SetMailer(failing, "https://admin.example.org")
	code, body := ask("nobody@example.org")
	if c, b := ask("ann@example.org"); c != code || b != body || code != 202 {
		t.Fatalf("undeliverable reset mail: %d %q; unknown address: %d %q", c, b, code, body)
	}
	f.svc.Wait()

	// A slow relay: the answer comes while the mail is still held.
	slow := &gateMailer{open: make(chan struct{})}
	f.svc.SetMailer(slow, "https://admin.example.org")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		c, _ := ask("ann@example.org")
		done <- c
	}()
	select {
	case c := <-done:
		if c != 202 || slow.all() != "" {
			t.Fatalf("answer %d with the mail held: mailed %q", c, slow.all())
		}
	case <-ctx.Done():
		t.Fatal("the answer waited for the mail")
	}
	close(slow.open)
	f.svc.Wait()
	if !strings.Contains(slow.all(), staff.ResetPath+"?") {
		t.Fatalf("no reset link mailed after the answer: %q", slow.all())
	}
}
