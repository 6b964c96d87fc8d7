package main

import (
	"context"
	"errors"
	"io"
)

// cmdBounces runs `postbode bounces ...`.
func cmdBounces(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("postbode bounces: not available in this build")
}
