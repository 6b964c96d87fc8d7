package httpapi

import (
	"errors"
	"net/http"
	"time"
)

// ErrBodyTimeout answers a request whose body did not arrive in time.
var ErrBodyTimeout = NewError(http.StatusRequestTimeout, "request_timeout",
	"the request body did not arrive in time (api.read_timeout; imports api.upload_timeout)")

// AllowUpload gives the body of r until d from now to arrive, beyond the
// admin listener's read timeout, which bounds every other request (a body
// trickled in a byte at a time holds a connection no longer than that).
// Only routes that take a file, once the sender is known, call it. A
// writer that cannot move the deadline (a test's recorder, with no
// connection) is left as it is; tests over real connections check that
// every wrapper of the listener's writers lets it through (Unwrap).
func AllowUpload(w http.ResponseWriter, d time.Duration) error {
	err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
	if errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return err
}
