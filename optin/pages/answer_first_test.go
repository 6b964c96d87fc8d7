package pages_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// slowWriter is a response on a slow network: the first Write blocks until
// released, and every Flush is counted.
type slowWriter struct {
	*httptest.ResponseRecorder
	writing, release chan struct{}
	flushed          int
}

func (w *slowWriter) Write(p []byte) (int, error) {
	if w.writing != nil {
		close(w.writing)
		w.writing = nil
		<-w.release
	}
	return w.ResponseRecorder.Write(p)
}

func (w *slowWriter) Flush() { w.flushed++; w.ResponseRecorder.Flush() }

// The subscribe form looks at the address only once its answer is out:
// while the reply is still being written nothing about the address has been
// read or recorded, so the server's load during the reply (work on a known
// contact, none for a blocklisted one) cannot tell the addresses apart.
func TestSubscribeWorksOnTheAddressAfterAnswering(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	e.list("news", "single")
	tok := e.getForm("/s/news")
	form := url.Values{"csrf": {tok}, "email": {"late@example.org"}, "consent": {"yes"}}
	req := httptest.NewRequest("POST", e.url+"/s/news", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	u, _ := url.Parse(e.url)
	for _, c := range e.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	w := &slowWriter{ResponseRecorder: httptest.NewRecorder(), writing: make(chan struct{}), release: make(chan struct{})}
	writing := w.writing
	done := make(chan struct{})
	go func() { defer close(done); e.srv.Handler().ServeHTTP(w, req) }()
	select {
	case <-writing:
	case <-time.After(5 * time.Second):
		t.Fatal("no answer written")
	}
	time.Sleep(300 * time.Millisecond) // time for work running beside the reply
	early := e.scalar(`SELECT count(*) FROM contacts WHERE email = 'late@example.org'`).(int64)
	close(w.release)
	<-done
	e.srv.Wait()
	if early != 0 {
		t.Error("the address was recorded while the answer was still being written")
	}
	if w.Code != http.StatusOK || w.flushed == 0 {
		t.Errorf("answer %d, flushed %d times", w.Code, w.flushed)
	}
	if n := e.scalar(`SELECT count(*) FROM contacts WHERE email = 'late@example.org'`).(int64); n != 1 {
		t.Errorf("%d contacts after the answer, want 1", n)
	}
}
