package pages

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/httpapi"
)

// CSRF protection of the forms: a double-submit cookie (pb_csrf, random,
// HttpOnly, SameSite=Lax) plus a form field
//
//	issued "." nonce "." base64url(HMAC-SHA256(key, "csrf|" cookie "|" path "|" issued "|" nonce)[:16])
//
// bound to the cookie and to the page path, which carries the recipient
// token. A field is valid for csrfTTL; its nonce is used once (Nonces), so a
// replayed form changes nothing.
const (
	csrfCookie = "pb_csrf"
	csrfField  = "csrf"
	csrfTTL    = 2 * time.Hour
)

// Nonces remembers used one-time values. Use reports true the first time a
// key is used within ttl and false after.
type Nonces interface {
	Use(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// RedisNonces keeps used nonces in Redis (SET NX with expiry) so a form
// cannot be replayed on another node either.
type RedisNonces struct {
	RDB    redis.UniversalClient
	Prefix string // e.g. "pb:nonce:"
}

// Use implements Nonces.
func (n RedisNonces) Use(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return n.RDB.SetNX(ctx, n.Prefix+key, 1, ttl).Result()
}

// Hit implements Limiter: a counter that expires window after the last hit
// (a client that keeps posting stays capped until it pauses; plain EXPIRE
// works on every Redis version).
func (n RedisNonces) Hit(ctx context.Context, key string, window time.Duration) (int64, error) {
	var incr *redis.IntCmd
	_, err := n.RDB.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, n.Prefix+key)
		p.Expire(ctx, n.Prefix+key, window)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return incr.Val(), nil
}

// Limiter counts hits of a key within a window (rate limits of the public
// forms that send mail).
type Limiter interface {
	Hit(ctx context.Context, key string, window time.Duration) (int64, error)
}

var b64 = base64.RawURLEncoding

func randToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return b64.EncodeToString(b)
}

// csrfCookieValue returns the visitor's CSRF cookie, setting a new one when
// missing or malformed.
func (s *Server) csrfCookieValue(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 22 {
		return c.Value
	}
	v := randToken(16)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true,
		Secure: httpapi.SecureCookie(s.secure, r), SameSite: http.SameSiteLaxMode, MaxAge: int(24 * time.Hour / time.Second)})
	// Later reads in this request see it too.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	return v
}

func (s *Server) csrfMAC(cookie, path, issued, nonce string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf|" + cookie + "|" + path + "|" + issued + "|" + nonce))
	return b64.EncodeToString(m.Sum(nil)[:16])
}

// csrfToken returns a fresh form token for the page at path.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request, path string) string {
	cookie := s.csrfCookieValue(w, r)
	issued := strconv.FormatInt(time.Now().Unix(), 36)
	nonce := randToken(12)
	return issued + "." + nonce + "." + s.csrfMAC(cookie, path, issued, nonce)
}

// checkCSRF verifies the form token of a POST to path and uses its nonce.
func (s *Server) checkCSRF(r *http.Request, path string) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return false
	}
	parts := strings.Split(r.PostFormValue(csrfField), ".")
	if len(parts) != 3 {
		return false
	}
	if !hmac.Equal([]byte(s.csrfMAC(c.Value, path, parts[0], parts[1])), []byte(parts[2])) {
		return false
	}
	sec, err := strconv.ParseInt(parts[0], 36, 64)
	if err != nil {
		return false
	}
	age := time.Since(time.Unix(sec, 0))
	if age > csrfTTL || age < -time.Minute {
		return false
	}
	if s.nonces == nil {
		return true
	}
	ok, err := s.nonces.Use(r.Context(), "csrf:"+parts[1], csrfTTL+time.Minute)
	if err != nil {
		s.log.Warn("csrf nonce store", "error", err)
		return false
	}
	return ok
}
