package staff

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/postbode/postbode/internal/errs"
)

// argon2id parameters (RFC 9106 §4, second recommended option scaled to a
// shared server: 64 MiB, 2 passes, 2 lanes).
const (
	argonTime    = 2
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	// MinPasswordLen is the shortest accepted password.
	MinPasswordLen = 12
	// MaxPasswordLen bounds the work of hashing.
	MaxPasswordLen = 256
)

//go:embed common_passwords.txt
var commonPasswordsFile []byte

var (
	commonOnce sync.Once
	common     map[string]bool
)

// CheckPassword says why a password is refused: too short, too long, or on
// the list of common (breached) passwords, also when it only differs from one
// by case or trailing digits.
func CheckPassword(pw, email string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return errs.Invalidf("password", "must be at least %d characters", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return errs.Invalidf("password", "must be at most %d characters", MaxPasswordLen)
	}
	commonOnce.Do(loadCommon)
	low := strings.ToLower(pw)
	if common[low] || common[strings.TrimRight(low, "0123456789!")] {
		return errs.Invalid("password", "is a commonly used password; choose another")
	}
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 4 && strings.Contains(low, local) {
		return errs.Invalid("password", "must not contain the part of your address before the @")
	}
	return nil
}

func loadCommon() {
	common = map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordsFile))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			common[strings.ToLower(w)] = true
		}
	}
}

// newKDFSlots makes the slots of the argon2id computations a service runs at
// once: one per CPU. Each computation holds argonMemory KiB (64 MiB) while it
// runs, so without a bound a burst of logins (for any address, known or
// not) would take memory without limit.
func newKDFSlots() chan struct{} { return make(chan struct{}, max(1, runtime.GOMAXPROCS(0))) }

// kdf takes one of the service's argon2id slots, waiting while all are in
// use (or until ctx ends); release gives it back. A login holds its slot
// from the lockout check until its failure is recorded, so a burst of
// guesses at once gets no more than MaxFailures plus the slots, less one.
func (s *Service) kdf(ctx context.Context) (release func(), err error) {
	select {
	case s.kdfSlots <- struct{}{}:
		return func() { <-s.kdfSlots }, nil
	case <-ctx.Done():
		return func() {}, fmt.Errorf("staff: password check: %w", ctx.Err())
	}
}

// hash is hashPassword in one of the service's argon2id slots.
func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	release, err := s.kdf(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return hashPassword(pw)
}

// hashPassword returns the PHC string of an argon2id hash of pw.
func hashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// verifyPassword checks pw against a PHC string from hashPassword.
func verifyPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when no account matches, so a wrong address
// takes as long as a wrong password.
var dummyHash = func() string { h, _ := hashPassword("postbode-no-such-account"); return h }()
