package staff_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestLoginBurstGetsNoExtraGuesses: wrong passwords sent all at once are
// checked a few at a time (each argon2id check holds 64 MiB), and each
// login holds its slot from the lockout check until its failure is
// recorded, so a burst of guesses gets at most MaxFailures plus the slots
// less one before the lock answers, not one guess per request.
func TestLoginBurstGetsNoExtraGuesses(t *testing.T) {
	const maxFailures, burst = 3, 24
	f := newFixture(t, staff.Options{MaxFailures: maxFailures})
	f.person("ann@example.org", "admin")
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, _, err := f.svc.Login(t.Context(), staff.LoginInput{Email: "ann@example.org",
				Password: fmt.Sprintf("wrong guess number %d", i), IP: ip1})
			code := "other: " + fmt.Sprint(err)
			switch {
			case errors.Is(err, staff.ErrBadCredentials):
				code = "bad_credentials"
			case errors.Is(err, staff.ErrLocked):
				code = "locked"
			}
			mu.Lock()
			answers[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	limit := maxFailures + runtime.GOMAXPROCS(0) - 1
	if answers["bad_credentials"] > limit || answers["bad_credentials"]+answers["locked"] != burst {
		t.Fatalf("a burst of %d wrong logins: %v; want at most %d checked, the rest locked", burst, answers, limit)
	}
	var failures int
	if err := f.db.QueryRow(t.Context(), `SELECT count(*) FROM login_failures WHERE email_key = 'ann@example.org'`).Scan(&failures); err != nil {
		t.Fatal(err)
	}
	if failures != answers["bad_credentials"] {
		t.Fatalf("%d failures recorded for %d wrong passwords", failures, answers["bad_credentials"])
	}
	// The right password is refused too: the account is locked.
	if _, _, err := f.login("ann@example.org", "", ip2); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("right password after the burst: %v", err)
	}
}
