package mta

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestPaceWindow: the window grows by about one per window of batches
// while the time per message stays within twice the best, holds when it
// does not, halves on failures or mostly deferred batches (not below one)
// and never passes the maximum; a full window makes acquire wait.
func TestPaceWindow(t *testing.T) {
	p := newPace(4, 16)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	use := func(n int, took time.Duration, deferred int, failed bool) {
		t.Helper()
		if err := p.acquire(cancelled); err != nil {
			t.Fatalf("acquire with a free place: %v", err)
		}
		p.release(n, took, deferred, failed)
	}
	for range 5 {
		use(25, 25*time.Millisecond, 0, false) // 1 ms per message: the best
	}
	if w := p.size(); w != 5 { // 4 + 1/4 + 1/4.25 + ... = 5.12
		t.Fatalf("window %d after five good batches, want 5", w)
	}
	for range 20 {
		use(25, 75*time.Millisecond, 0, false) // 3 ms per message: slower than twice the best
	}
	if w := p.size(); w != 5 {
		t.Fatalf("window %d after slow batches, want it held at 5", w)
	}
	for range 500 {
		use(25, 30*time.Millisecond, 0, false)
	}
	if w := p.size(); w != 16 {
		t.Fatalf("window %d after many good batches, want the maximum 16", w)
	}
	use(25, time.Millisecond, 13, false) // more than half deferred
	if w := p.size(); w != 8 {
		t.Fatalf("window %d after a mostly deferred batch, want 8", w)
	}
	use(25, time.Millisecond, 12, false) // half: not a reason
	use(25, time.Millisecond, 0, true)   // a network error
	if w := p.size(); w != 4 {
		t.Fatalf("window %d after a failed batch, want 4", w)
	}
	for range 5 {
		use(1, time.Second, 0, true)
	}
	if w := p.size(); w != 1 {
		t.Fatalf("window %d after failures, want 1", w)
	}
	// Full: acquire waits until ctx ends, or until a place is released.
	if err := p.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.acquire(cancelled); err == nil {
		t.Fatal("acquire got a place in a full window")
	}
	got := make(chan error)
	go func() { got <- p.acquire(context.Background()) }()
	p.release(1, time.Millisecond, 0, false)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// TestRelayShrinksToOneConnectionUnderDeferrals: while the relay defers
// every recipient (451), concurrent Sends share one connection instead of
// opening one each.
func TestRelayShrinksToOneConnectionUnderDeferrals(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{refuseRcpt: func(string) error {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "try again later"}
	}})
	tr := relayFor(t, s, RelayConfig{})
	for range 3 { // 4 → 2 → 1
		for _, r := range tr.Send(t.Context(), "example.net", envelopes(4, "example.net")) {
			if r.Outcome() != Deferred {
				t.Fatalf("result %v, want deferred", r)
			}
		}
	}
	if w := tr.c.paceFor(tr.dc.addr).size(); w != 1 {
		t.Fatalf("window %d, want 1", w)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr.Send(t.Context(), "example.net", envelopes(4, "example.net"))
		}()
	}
	wg.Wait()
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("%d connections opened, want 1", n)
	}
}
