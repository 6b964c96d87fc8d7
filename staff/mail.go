package staff

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Link paths the admin console serves: a form that posts the token and a
// new password to /api/v1/auth/accept or /api/v1/auth/reset.
const (
	InvitePath = "/console/invite"
	ResetPath  = "/console/reset"
)

// LinkURL is the one-time link for a token under the admin URL.
func LinkURL(adminURL, path, token string) string {
	return strings.TrimRight(adminURL, "/") + path + "?token=" + url.QueryEscape(token)
}

func inviteText(adminURL, token, inviter string, ttl time.Duration) string {
	return fmt.Sprintf("You have been invited to postbode%s.\n\nChoose your password here (the link works once, for %s):\n\n%s\n",
		inviter, ttl, LinkURL(adminURL, InvitePath, token))
}

func resetText(adminURL, token string, ttl time.Duration) string {
	return fmt.Sprintf("Someone asked to reset your postbode password. If it was you, choose a new one here (the link works once, for %s):\n\n%s\n\nIf it was not you, ignore this mail.\n",
		ttl, LinkURL(adminURL, ResetPath, token))
}
