package config

import (
	"math"
	"strings"
)

// minKeyBits is the least entropy a server key must show, estimated from
// its own character frequencies (a random 32-character hex key shows 90 to
// 130 bits, 48 random bytes in base64 about 340); minKeyChars is the least
// number of different characters (a random 32-character hex key has 8 or
// more).
const (
	minKeyBits  = 80
	minKeyChars = 8
)

// placeholders are texts found in sample configs and tutorials.
var placeholders = []string{"changeme", "change-me", "change_me", "changethis", "replaceme", "replace-me",
	"placeholder", "example", "password", "insecure", "notsecret", "your-key", "yourkey"}

// weakKey says why a server key is too weak to sign tokens, or "" when it
// is not: it must be at least 32 characters, not a placeholder, not a short
// pattern repeated, with at least minKeyChars different characters and
// minKeyBits of entropy.
func weakKey(k string) string {
	if len(k) < 32 {
		return "required, at least 32 characters (set POSTBODE_SECRETS_KEY or POSTBODE_SECRETS_KEY_FILE)"
	}
	low := strings.ToLower(k)
	for _, p := range placeholders {
		if strings.Contains(low, p) {
			return "looks like a placeholder (" + p + "); use a random key, e.g. head -c 48 /dev/urandom | base64"
		}
	}
	if p := period(k); p > 0 {
		return "is a short pattern repeated; use a random key, e.g. head -c 48 /dev/urandom | base64"
	}
	counts, steps := map[int]int{}, map[int]int{}
	for i := 0; i < len(k); i++ {
		counts[int(k[i])]++
		if i > 0 {
			steps[int(k[i])-int(k[i-1])]++
		}
	}
	if len(counts) < minKeyChars {
		return "has too few different characters; use a random key, e.g. head -c 48 /dev/urandom | base64"
	}
	if entropy(counts) < minKeyBits {
		return "has too little entropy; use a random key, e.g. head -c 48 /dev/urandom | base64"
	}
	// A run like abcdefgh...0123456789 has varied characters but one step.
	if entropy(steps) < minKeyBits/2 {
		return "is a sequence (abcd..., 1234...); use a random key, e.g. head -c 48 /dev/urandom | base64"
	}
	return ""
}

// entropy estimates the bits of a text from the frequencies of its symbols.
func entropy(counts map[int]int) float64 {
	total := 0
	for _, n := range counts {
		total += n
	}
	bits := 0.0
	for _, n := range counts {
		bits -= float64(n) * math.Log2(float64(n)/float64(total))
	}
	return bits
}

// period returns the length of the shortest string whose repetition makes
// up k (the last repetition may be partial), when it is at most half of k;
// 0 otherwise.
func period(k string) int {
	for p := 1; p <= len(k)/2; p++ {
		if k[p:] == k[:len(k)-p] {
			return p
		}
	}
	return 0
}
