//go:build !linux

package cpusched

import "errors"

func batch() (int, error) { return 0, nil }

// Policy returns the scheduling policy of thread tid; only on Linux.
func Policy(tid int) (int, error) { return 0, errors.ErrUnsupported }
