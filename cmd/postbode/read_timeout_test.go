package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// trickle sends a request whose body of n bytes arrives one byte every
// 200 ms on a raw connection to the admin listener, and returns the status
// line of the answer, or "" when the listener closed the connection first.
func trickle(t *testing.T, d *daemon, token, path string, body string) string {
	t.Helper()
	c, err := net.Dial("tcp", d.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", path, d.admin, len(body))
	if token != "" {
		fmt.Fprintf(c, "Authorization: Bearer %s\r\n", token)
	}
	io.WriteString(c, "\r\n")
	for i := range len(body) {
		if _, err := c.Write([]byte{body[i]}); err != nil {
			break // closed by the listener
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// TestSlowBodiesEndAtTheReadTimeout: a request whose body trickles in
// holds its connection no longer than api.read_timeout — unless it is an
// import upload of a signed-in sender, which has api.upload_timeout.
func TestSlowBodiesEndAtTheReadTimeout(t *testing.T) {
	d := startDaemon(t, "api", "POSTBODE_API_READ_TIMEOUT=5s", "POSTBODE_API_UPLOAD_TIMEOUT=1m")
	token := d.cli(t, "token", "create", "--role", "admin", "--name", "slow")
	if code, _ := d.request(t, token, "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != 201 {
		t.Fatalf("create list: %d", code)
	}
	// 40 bytes at 5 per second: 8 s, beyond the read timeout.
	login := `{"email":"x@example.org","password":"x"}`
	resp, err := http.Post("http://"+d.admin+"/api/v1/auth/login", "application/json", strings.NewReader(login))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("the login sent at once: %d %s, want 403 bad_credentials", resp.StatusCode, b)
	}
	if got := trickle(t, d, "", "/api/v1/auth/login", login); got != "HTTP/1.1 408 Request Timeout" && got != "" {
		t.Errorf("a login body trickled in for 8 s: %q, want 408 or the connection closed", got)
	}
	csv := "email,name\nslow1@example.org,Slow\n"
	if got := trickle(t, d, token, "/api/v1/imports?source=import&purpose=news&lists=news&format=csv", csv); !strings.HasPrefix(got, "HTTP/1.1 202") {
		t.Errorf("an import upload of %d bytes over %s: %q, want 202", len(csv), time.Duration(len(csv))*200*time.Millisecond, got)
	}
	// A processor agreement's document (up to 10 MiB) is a file too.
	doc := "%PDF-1.4 a signed processor agreement" // 8 s
	if got := trickle(t, d, token, "/api/v1/privacy/processor-agreements?processor=Mailhost&filename=dpa.pdf", doc); !strings.HasPrefix(got, "HTTP/1.1 201") {
		t.Errorf("an agreement document of %d bytes over %s: %q, want 201", len(doc), time.Duration(len(doc))*200*time.Millisecond, got)
	}
}
