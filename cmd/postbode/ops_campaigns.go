package main

import (
	"context"
	"errors"
	"io"
)

// cmdCampaigns runs `postbode campaigns ...`.
func cmdCampaigns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("postbode campaigns: not available in this build")
}
