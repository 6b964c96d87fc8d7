package redisconn

import (
	"reflect"
	"testing"
)

func TestOptionsForms(t *testing.T) {
	cases := []struct {
		name string
		s    Settings
		mode Mode
		addr []string
		mstr string
		db   int
		user string
		pw   string
		spw  string
		tls  bool
	}{
		{"single", Settings{URL: "redis://u:p@127.0.0.1:6379/3"}, Single, []string{"127.0.0.1:6379"}, "", 3, "u", "p", "", false},
		{"single tls", Settings{URL: "rediss://h:6380"}, Single, []string{"h:6380"}, "", 0, "", "", "", true},
		{"sentinel url", Settings{URL: "redis+sentinel://:pw@s1:26379,s2,s3:26380/mymaster/2?sentinel_password=spw"}, Sentinel,
			[]string{"s1:26379", "s2:26379", "s3:26380"}, "mymaster", 2, "", "pw", "spw", false},
		{"sentinel tls", Settings{URL: "rediss+sentinel://s1/m"}, Sentinel, []string{"s1:26379"}, "m", 0, "", "", "", true},
		{"sentinel explicit", Settings{URL: "redis://:pw@ignored:1/1", SentinelMaster: "m", SentinelAddrs: []string{"a:1", "b"}, SentinelPassword: "x"},
			Sentinel, []string{"a:1", "b:26379"}, "m", 1, "", "pw", "x", false},
		{"cluster url", Settings{URL: "redis+cluster://:pw@n1:7000,n2:7001"}, Cluster, []string{"n1:7000", "n2:7001"}, "", 0, "", "pw", "", false},
		{"cluster explicit", Settings{URL: "redis://127.0.0.1:6379/0", ClusterAddrs: []string{"n1"}}, Cluster, []string{"n1:6379"}, "", 0, "", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, mode, err := c.s.Options()
			if err != nil {
				t.Fatal(err)
			}
			if mode != c.mode || !reflect.DeepEqual(o.Addrs, c.addr) || o.MasterName != c.mstr || o.DB != c.db ||
				o.Username != c.user || o.Password != c.pw || o.SentinelPassword != c.spw || (o.TLSConfig != nil) != c.tls {
				t.Errorf("got mode %s addrs %v master %q db %d user %q pw %q spw %q tls %v",
					mode, o.Addrs, o.MasterName, o.DB, o.Username, o.Password, o.SentinelPassword, o.TLSConfig != nil)
			}
			if c.mode == Cluster && !o.IsClusterMode {
				t.Error("cluster without IsClusterMode: one address would build a single-server client")
			}
		})
	}
}
