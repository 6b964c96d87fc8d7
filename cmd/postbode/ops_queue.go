package main

import (
	"context"
	"errors"
	"io"
)

// cmdQueue runs `postbode queue ...`.
func cmdQueue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("postbode queue: not available in this build")
}
