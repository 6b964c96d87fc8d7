//go:build !amd64 || purego

package canonscan

// useAVX2: no vector scan in this build.
const useAVX2 = false

// Clean returns 0 here: without a vector scan the line-by-line
// canonicalization is as fast.
func Clean(body []byte) int { return 0 }
