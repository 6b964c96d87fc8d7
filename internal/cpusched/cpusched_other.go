//go:build !linux

package cpusched

func batch() (int, error) { return 0, nil }
