package redisconn

import (
	"strconv"
	"strings"
)

// SlotCount is the number of hash slots of a Redis Cluster.
const SlotCount = 16384

// Slot returns the Redis Cluster hash slot of key: CRC16 (XMODEM) of the
// key's hash tag — the part between the first { and the next }, when that
// is not empty — else of the whole key, modulo 16384 (Cluster spec).
func Slot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return int(crc16(key) % SlotCount)
}

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial 0), bit by bit: keys
// are short, and no table keeps it small.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// CommandKeys returns the keys of a command given as its arguments (name
// first), for the commands whose keys must share a slot on a Cluster:
// scripts (EVAL, EVALSHA, FCALL and their _RO forms take numkeys keys) and
// the multi-key commands postbode may send; any other command's key is its
// first argument. Commands without keys return none.
func CommandKeys(args []any) []string {
	if len(args) < 2 {
		return nil
	}
	name := strings.ToLower(str(args[0]))
	rest := args[1:]
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		if len(rest) < 2 {
			return nil
		}
		n, err := strconv.Atoi(str(rest[1]))
		if err != nil || n < 0 || 2+n > len(rest) {
			return nil
		}
		return strs(rest[2 : 2+n])
	case "xread", "xreadgroup":
		for i, a := range rest {
			if strings.EqualFold(str(a), "streams") {
				streams := rest[i+1:]
				return strs(streams[:len(streams)/2])
			}
		}
		return nil
	case "del", "unlink", "exists", "touch", "mget", "watch", "sinter", "sunion", "sdiff", "pfcount":
		return strs(rest)
	case "rename", "renamenx", "smove", "rpoplpush", "lmove", "copy":
		return strs(rest[:min(2, len(rest))])
	case "multi", "exec", "discard", "ping", "time", "script", "info", "hello", "client", "auth", "select",
		"cluster", "readonly", "command", "dbsize", "flushdb", "flushall", "scan", "sentinel", "role", "config":
		return nil
	}
	return strs(rest[:1])
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}

func strs(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = str(v)
	}
	return out
}

// SameSlot reports whether every key hashes to one slot; for a false it
// also returns two keys that differ.
func SameSlot(keys []string) (ok bool, a, b string) {
	for i := 1; i < len(keys); i++ {
		if Slot(keys[i]) != Slot(keys[0]) {
			return false, keys[0], keys[i]
		}
	}
	return true, "", ""
}
