//go:build soak && faults

package main

// The soak test (make soak, POSTBODE_SOAK_DURATION, default 10m) runs one
// postbode node with every role under a steady mix of work — campaigns sent
// one after another to a loopback relay, DSNs to the inbound listener, and
// recipient-page traffic — and samples the process's memory and goroutines,
// failing when either keeps growing.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/postbode/postbode/internal/rtoken"
)

const soakKey = "faults-secret-0123456789abcdef0123456789"

func TestSoak(t *testing.T) {
	dur := 10 * time.Minute
	if v := os.Getenv("POSTBODE_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		dur = d
	}
	const contacts = 2000
	pub := freeAddr(t)
	c := newCluster(t, "", "", "POSTBODE_INBOUND_DOMAINS=bounces.example.org", "POSTBODE_PUBLIC_LISTEN="+pub,
		"POSTBODE_BOUNCES_SOFT_ESCALATE_COUNT=0", "POSTBODE_SENDING_WORKERS=8", "POSTBODE_LOG_LEVEL=warn")
	d := c.node("api,public,inbound,scheduler,sender,janitor")
	first := c.campaign(contacts)
	c.finish(first, contacts, 0, 2*time.Minute)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var campaignsSent, dsns, pages atomic.Int64
	loop := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					fn()
				}
			}
		}()
	}
	loop(func() { // campaigns, one after another
		var camp struct{ ID int64 }
		jsonInto(c.call("POST", "/api/v1/campaigns", `{"name":"Soak","subject":"Hi {{.Contact.Name}}",
			"html":"<p>Hi {{.Contact.Name}}</p>","from_email":"news@example.org","lists":["news"]}`, 201), &camp)
		c.call("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", camp.ID), "", 200)
		for {
			var st faultStats
			jsonInto(c.call("GET", fmt.Sprintf("/api/v1/campaigns/%d/stats", camp.ID), "", 200), &st)
			if st.Status == "finished" {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		campaignsSent.Add(1)
	})
	smtpAddr := envValue(d.env, "POSTBODE_INBOUND_LISTEN")
	loop(func() { // soft-bounce DSNs, about 20 per second
		i := dsns.Add(1)
		if cl, err := smtp.Dial(smtpAddr); err == nil {
			cl.SendMail("", []string{"postmaster@bounces.example.org"}, strings.NewReader(fmt.Sprintf(
				"From: MAILER-DAEMON@mx.example.org\r\nSubject: delayed\r\nMIME-Version: 1.0\r\n"+
					"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"+
					"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"+
					"Final-Recipient: rfc822; r%d@example.org\r\nAction: failed\r\nStatus: 5.2.2\r\n"+
					"Diagnostic-Code: smtp; 552 5.2.2 mailbox full\r\n--b--\r\n", i%contacts)))
			cl.Close()
		}
		time.Sleep(50 * time.Millisecond)
	})
	keys := rtoken.NewKeys(soakKey)
	for range 2 {
		loop(func() { // recipient pages
			i := pages.Add(1)
			tok := keys.Mint(rtoken.Claims{Purpose: rtoken.Update, ContactID: i%contacts + 1, CampaignID: first})
			if resp, err := http.Get("http://" + pub + "/p/" + tok); err == nil {
				resp.Body.Close()
			}
		})
	}

	type sample struct {
		at         time.Duration
		rssMiB     float64
		goroutines float64
	}
	var samples []sample
	start := time.Now()
	every := max(dur/20, 5*time.Second)
	for time.Since(start) < dur {
		time.Sleep(every)
		s := sample{at: time.Since(start).Round(time.Second), rssMiB: rssMiB(t, d.cmd.Process.Pid),
			goroutines: metric(t, d, "go_goroutines", "")}
		samples = append(samples, s)
		t.Logf("%8s  rss %6.1f MiB  goroutines %4.0f  campaigns %d  dsns %d  pages %d",
			s.at, s.rssMiB, s.goroutines, campaignsSent.Load(), dsns.Load(), pages.Load())
	}
	close(stop)
	wg.Wait()
	if len(samples) < 4 {
		t.Fatalf("only %d samples", len(samples))
	}
	// Compare the second quarter (after warm-up) with the last quarter.
	q := len(samples) / 4
	avg := func(ss []sample, f func(sample) float64) float64 {
		var sum float64
		for _, s := range ss {
			sum += f(s)
		}
		return sum / float64(len(ss))
	}
	early, late := samples[q:2*q], samples[len(samples)-q:]
	rssEarly, rssLate := avg(early, func(s sample) float64 { return s.rssMiB }), avg(late, func(s sample) float64 { return s.rssMiB })
	grEarly, grLate := avg(early, func(s sample) float64 { return s.goroutines }), avg(late, func(s sample) float64 { return s.goroutines })
	t.Logf("soak %s: %d campaigns (%d messages), %d DSNs, %d page views; rss %.1f -> %.1f MiB, goroutines %.0f -> %.0f",
		dur, campaignsSent.Load(), campaignsSent.Load()*contacts, dsns.Load(), pages.Load(), rssEarly, rssLate, grEarly, grLate)
	if rssLate > rssEarly*1.5+20 {
		t.Errorf("memory keeps growing: %.1f MiB early, %.1f MiB late", rssEarly, rssLate)
	}
	if grLate > grEarly*1.5+20 {
		t.Errorf("goroutines keep growing: %.0f early, %.0f late", grEarly, grLate)
	}
}

// rssMiB reads the resident set size of a process from /proc.
func rssMiB(t *testing.T, pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	return 0
}

func jsonInto(s string, v any) { json.Unmarshal([]byte(s), v) }
