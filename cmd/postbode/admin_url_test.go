package main

import (
	"testing"

	"github.com/postbode/postbode/internal/config"
)

// TestAdminURLOpens: without people.admin_url the links staff get point at
// api.listen, where a listener on every address is reached on the loopback
// address (a link to 0.0.0.0 or [::] opens nothing); people.admin_url wins.
func TestAdminURLOpens(t *testing.T) {
	for _, c := range []struct{ listen, set, want string }{
		{"0.0.0.0:8080", "", "http://127.0.0.1:8080"},
		{":8080", "", "http://127.0.0.1:8080"},
		{"[::]:8080", "", "http://[::1]:8080"},
		{"127.0.0.1:8080", "", "http://127.0.0.1:8080"},
		{"admin.example.org:8443", "", "http://admin.example.org:8443"},
		{"0.0.0.0:8080", "https://post.example.org/", "https://post.example.org"},
	} {
		cfg := config.Default()
		cfg.API.Listen, cfg.People.AdminURL = c.listen, c.set
		if got := adminURLOf(cfg); got != c.want {
			t.Errorf("api.listen %q, people.admin_url %q: %q, want %q", c.listen, c.set, got, c.want)
		}
	}
}
