package campaigns

import (
	"context"
	"net/mail"
	"testing"

	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/templates"
)

// buildFixture is a service and a campaign runtime for the benchmark
// campaign's message (body20K, tracked clicks and opens) that needs no
// Postgres or Redis: what render and compose cost, alone.
func buildFixture(tb testing.TB, track bool) (*Service, *runtime) {
	tb.Helper()
	s := New(Options{Keys: rtoken.NewKeys("bench-secret-0123456789abcdef0123456789"), BaseURL: "https://pb.example.org",
		BounceDomain: "bounce.example.org", Tracking: true})
	style := templates.Style{OrgName: "Stichting Voorbeeld", Address: "Postbus 1, Utrecht"}
	c := Campaign{ID: 7, Name: "Bench", Kind: "regular", Subject: "Nieuws voor {{.Contact.Name}}", HTML: body20K(),
		FromName: "Stichting Voorbeeld", FromEmail: "nieuws@example.org", ListIDs: []int64{1}, TrackOpens: track, TrackClicks: track}
	tpl, err := templates.Compile(context.Background(), c.Subject, c.HTML, c.Text, style)
	if err != nil {
		tb.Fatal(err)
	}
	rt := &runtime{c: c, tpl: tpl, fromAddr: c.FromEmail,
		from:   (&mail.Address{Name: c.FromName, Address: c.FromEmail}).String(),
		listID: "Nieuws <news.bounce.example.org>", feedback: "7:regular:news:postbode"}
	return s, rt
}

// BenchmarkBuildMessage renders and composes the benchmark campaign's
// message (no DKIM) for one recipient after another into one reused
// buffer, as a send worker does: as BenchmarkSendCampaign sends it
// (plain), and with its ~70 links click-tracked and an open pixel.
func BenchmarkBuildMessage(b *testing.B) {
	for _, track := range []bool{false, true} {
		name := "plain"
		if track {
			name = "tracked"
		}
		b.Run(name, func(b *testing.B) {
			s, rt := buildFixture(b, track)
			ctx := context.Background()
			var mb msgBuf
			attrs := map[string]any{"city": "Utrecht"}
			b.ReportAllocs()
			size := 0
			for i := 0; b.Loop(); i++ {
				r := recipient{ID: int64(i + 1), Email: "r1@d1.example.net", Name: "Lezer 1", Attributes: attrs}
				env, err := s.build(ctx, rt, r, "", nil, &mb)
				if err != nil {
					b.Fatal(err)
				}
				size = len(env.Data)
			}
			b.SetBytes(int64(size))
		})
	}
}
