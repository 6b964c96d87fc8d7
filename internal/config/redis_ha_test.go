package config

import (
	"errors"
	"strings"
	"testing"
)

// A wrong high-availability setting names its key and says what is wrong.
func TestRedisHASettingsExplained(t *testing.T) {
	env := []string{"POSTBODE_SECRETS_KEY=" + testKey}
	cases := []struct {
		name, file, key, says string
	}{
		{"sentinel url without master", "[redis]\nurl = \"redis+sentinel://s1:26379,s2:26379\"", "redis.url", "master name"},
		{"addrs without master", "[redis]\nsentinel_addrs = [\"s1:26379\"]", "redis.sentinel_master", "sentinel monitor"},
		{"master without addrs", "[redis]\nsentinel_master = \"mymaster\"", "redis.sentinel_addrs", "host:port"},
		{"sentinel and cluster", "[redis]\nsentinel_master = \"m\"\nsentinel_addrs = [\"s:26379\"]\ncluster_addrs = [\"n:6379\"]", "redis.cluster_addrs", "no Sentinel"},
		{"cluster db", "[redis]\nurl = \"redis://127.0.0.1:6379/3\"\ncluster_addrs = [\"n1:7000\", \"n2:7001\"]", "redis.url", "only database 0"},
		{"url and explicit keys", "[redis]\nurl = \"redis+cluster://n1:7000\"\ncluster_addrs = [\"n2:7001\"]", "redis.url", "already names the servers"},
		{"brace in prefix", "[redis]\nkey_prefix = \"{pb}:\"", "redis.key_prefix", "one Redis Cluster slot"},
		{"bad sentinel port", "[redis]\nurl = \"redis+sentinel://s1:99999/m\"", "redis.url", ""},
		{"unknown scheme", "[redis]\nurl = \"redis+ring://a\"", "redis.url", "redis+sentinel://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(writeFile(t, c.file), env)
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Key != c.key {
				t.Fatalf("error %v, want one naming %s", err, c.key)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not say %q", err, c.says)
			}
		})
	}
	ok := []string{
		"[redis]\nurl = \"redis+sentinel://:pw@s1:26379,s2:26379,s3/mymaster/2?sentinel_password=spw\"",
		"[redis]\nurl = \"rediss://:pw@127.0.0.1:6380/0\"\nsentinel_master = \"mymaster\"\nsentinel_addrs = [\"s1:26379\", \"s2\"]",
		"[redis]\nurl = \"redis+cluster://n1:7000,n2:7001,n3:7002\"",
		"[redis]\ncluster_addrs = [\"n1:7000\", \"n2:7001\"]",
	}
	for _, f := range ok {
		if _, err := Load(writeFile(t, f), env); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
