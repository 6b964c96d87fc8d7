package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/httpapi"
)

// An upload given longer than the listener's timeouts (AllowUpload) is
// answered when it has arrived: its answer is not cut off by the write
// timeout, which started with the request.
func TestAllowUploadOutlastsTheWriteTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadTimeout: time.Second, WriteTimeout: time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := httpapi.AllowUpload(w, 30*time.Second); err != nil {
				t.Error(err)
				return
			}
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusRequestTimeout)
				return
			}
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprintf(w, "%d bytes", len(b))
		})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := "0123456789"
	fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(body))
	// 10 bytes over 2.5 s: beyond both of the listener's timeouts.
	for i := range len(body) {
		if _, err := c.Write([]byte{body[i]}); err != nil {
			t.Fatalf("byte %d: %v", i, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	if got := strings.TrimSpace(line); got != "HTTP/1.1 202 Accepted" {
		t.Fatalf("upload over 2.5 s with 1 s listener timeouts: %q, want 202", got)
	}
}
