package mta

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// sink is a minimal, fast SMTP server for benchmarks: it answers every
// command and swallows DATA, so the numbers are mostly the client's.
func sink(b *testing.B, pipelining bool) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSink(c, pipelining)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func serveSink(c net.Conn, pipelining bool) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriter(c)
	w.WriteString("220 sink ESMTP\r\n")
	w.Flush()
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		switch {
		case bytes.HasPrefix(line, []byte("EHLO")):
			if pipelining {
				w.WriteString("250-sink\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n")
			} else {
				w.WriteString("250-sink\r\n250 ENHANCEDSTATUSCODES\r\n")
			}
		case bytes.HasPrefix(line, []byte("DATA")):
			w.WriteString("354 go ahead\r\n")
			w.Flush()
			for {
				l, err := r.ReadSlice('\n')
				if err != nil && err != bufio.ErrBufferFull {
					return
				}
				if len(l) == 3 && l[0] == '.' {
					break
				}
			}
			w.WriteString("250 2.0.0 queued\r\n")
		case bytes.HasPrefix(line, []byte("QUIT")):
			w.WriteString("221 bye\r\n")
			w.Flush()
			return
		default:
			w.WriteString("250 2.0.0 ok\r\n")
		}
		if r.Buffered() == 0 {
			w.Flush()
		}
	}
}

// BenchmarkSMTPSend sends 20 KB messages in batches of 100 over one reused
// connection; ns/op is per message.
func BenchmarkSMTPSend(b *testing.B) {
	msg := body20K()
	for _, pipe := range []bool{true, false} {
		name := "pipelined"
		if !pipe {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			port := sink(b, pipe)
			tr, err := NewRelay(RelayConfig{Host: "127.0.0.1", Port: port, TLS: "none"}, prometheus.NewRegistry())
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			batch := make([]Envelope, 100)
			for i := range batch {
				batch[i] = Envelope{From: "bounce+" + strconv.Itoa(i) + "@example.org", To: "u" + strconv.Itoa(i) + "@example.net", Data: msg}
			}
			b.SetBytes(int64(len(msg)))
			b.ResetTimer()
			for n := 0; n < b.N; n += len(batch) {
				k := min(len(batch), b.N-n)
				for _, r := range tr.Send(b.Context(), "example.net", batch[:k]) {
					if r.Outcome() != Sent {
						b.Fatal(r)
					}
				}
			}
		})
	}
}
