package main

import (
	"context"
	"errors"
	"io"
)

// cmdDKIM runs `postbode dkim ...`.
func cmdDKIM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("postbode dkim: not available in this build")
}
