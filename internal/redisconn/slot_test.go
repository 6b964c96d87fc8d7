package redisconn

import "testing"

// The reference values are those of the Redis Cluster spec and of
// CLUSTER KEYSLOT on a real server.
func TestSlot(t *testing.T) {
	if got := crc16("123456789"); got != 0x31C3 {
		t.Errorf("crc16(123456789) = %#x, want 0x31c3 (XMODEM check value)", got)
	}
	cases := []struct {
		key  string
		slot int
	}{
		{"foo", 12182},
		{"bar", 5061},
		{"{user1000}.following", 3443},
		{"{user1000}.followers", 3443},
		{"foo{}{bar}", Slot("foo{}{bar}")}, // empty tag: the whole key
		{"foo{{bar}}zap", Slot("{bar")},    // tag is "{bar"
		{"foo{bar}{zap}", Slot("bar")},     // first tag only
	}
	for _, c := range cases {
		if got := Slot(c.key); got != c.slot {
			t.Errorf("Slot(%q) = %d, want %d", c.key, got, c.slot)
		}
	}
	if Slot("foo{}{bar}") != int(crc16("foo{}{bar}")%SlotCount) {
		t.Error("an empty hash tag must hash the whole key")
	}
	if Slot("pb:{c42}:q") != Slot("pb:{c42}:s:7") || Slot("pb:{c42}:q") == Slot("pb:{c43}:q") {
		t.Error("campaign keys must share their campaign's slot, and campaigns spread")
	}
}

func TestCommandKeys(t *testing.T) {
	cases := []struct {
		args []any
		want []string
	}{
		{[]any{"evalsha", "abc", "2", "{a}x", "{a}y", "arg"}, []string{"{a}x", "{a}y"}},
		{[]any{"EVAL", "return 1", int64(1), "k"}, []string{"k"}},
		{[]any{"del", "a", "b"}, []string{"a", "b"}},
		{[]any{"xlen", "q"}, []string{"q"}},
		{[]any{"xreadgroup", "group", "g", "c", "count", 5, "streams", "{c1}:q", "{c2}:q", ">", ">"}, []string{"{c1}:q", "{c2}:q"}},
		{[]any{"multi"}, nil},
		{[]any{"ping"}, nil},
	}
	for _, c := range cases {
		got := CommandKeys(c.args)
		if len(got) != len(c.want) {
			t.Errorf("CommandKeys(%v) = %v, want %v", c.args, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("CommandKeys(%v) = %v, want %v", c.args, got, c.want)
			}
		}
	}
	if ok, _, _ := SameSlot([]string{"{c1}:q", "{c2}:q"}); ok {
		t.Error("keys of two campaigns reported in one slot")
	}
}
