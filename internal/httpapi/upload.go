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
// Only routes that take a file, once the sender is known, call it. The
// answer gets until a minute after that deadline (uploadAnswer): the
// listener's write timeout runs from the request's start, so an upload
// taking longer would otherwise arrive, be acted on, and have its answer
// cut off (a client that retries then imports twice). A
// writer that cannot move the deadline (a test's recorder, with no
// connection) is left as it is; tests over real connections check that
// every wrapper of the listener's writers lets it through (Unwrap).
func AllowUpload(w http.ResponseWriter, d time.Duration) error {
	rc := http.NewResponseController(w)
	end := time.Now().Add(d)
	err := rc.SetReadDeadline(end)
	if err == nil {
		err = rc.SetWriteDeadline(end.Add(uploadAnswer))
	}
	if errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return err
}

// uploadAnswer is how long after its body's deadline an upload's answer
// may take to write.
const uploadAnswer = time.Minute
