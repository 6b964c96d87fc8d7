//go:build amd64 && !purego

package canonscan

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2

// cleanAVX2 is Clean for b of at least 33 bytes, 32 positions at a time.
//
//go:noescape
func cleanAVX2(b []byte) int

// Clean returns n such that no position k < n of body is flagged (see
// the package doc): the first flagged position, or less (down to 0 when
// it cannot tell quickly, as for a body under 33 bytes).
func Clean(body []byte) int {
	if !useAVX2 || len(body) < 33 || body[0] == '\n' {
		return 0
	}
	return cleanAVX2(body)
}
