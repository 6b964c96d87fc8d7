package testenv

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// DKIMMessage is what the independent checkers found of one message.
type DKIMMessage struct {
	// Sigs are the message's DKIM-Signature fields, top to bottom, as
	// dkimpy verified them.
	Sigs []DKIMResult `json:"sigs"`
	// Defects are what Python's email package (policy default) finds
	// wrong with the message's syntax (RFC 5322, 2045-2047): header fields
	// that do not parse as their type, multipart structure, content that
	// does not decode.
	Defects []string `json:"defects"`
}

// DKIMResult is what an independent verifier found of one DKIM-Signature
// field of a message.
type DKIMResult struct {
	Domain    string   `json:"d"`
	Algorithm string   `json:"a"`
	Canon     string   `json:"c"`
	Headers   []string `json:"h"` // the h= list, lower-case, in order
	OK        bool     `json:"ok"`
	Error     string   `json:"error"` // why it failed, when the verifier says
}

// dkimpyScript verifies every DKIM-Signature of each message with dkimpy,
// the keys looked up in the given TXT records instead of DNS, and lists the
// defects Python's email parser finds.
const dkimpyScript = `
import email, email.policy, json, logging, sys
import dkim
def defects(msg):
    out = []
    m = email.message_from_bytes(msg, policy=email.policy.default)
    for part in m.walk():
        out += ["%s: %s" % (type(d).__name__, d) for d in part.defects]
        for k, v in part.items():
            out += ["%s: %s: %s" % (k, type(d).__name__, d) for d in getattr(v, "defects", ())]
        if not part.is_multipart():
            try:
                part.get_content()
            except Exception as e:
                out.append("content of %s: %s" % (part.get_content_type(), e))
    return out
req = json.load(sys.stdin)
txt = {k.lower().encode(): v.encode() for k, v in req["txt"].items()}
def dnsfunc(name, timeout=5):
    return txt.get(name.rstrip(b".").lower())
class Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []
    def emit(self, rec):
        self.lines.append(rec.getMessage())
out = []
for path in req["files"]:
    msg = open(path, "rb").read()
    keep = Keep()
    log = logging.getLogger("dkimpy." + path)
    log.setLevel(logging.DEBUG)
    log.addHandler(keep)
    log.propagate = False
    sigs = []
    n = 0
    try:
        d = dkim.DKIM(msg, logger=log)
        n = len([1 for k, v in d.headers if k.lower() == b"dkim-signature"])
    except Exception as e:
        sigs.append({"ok": False, "error": "parse: %s" % e})
    for i in range(n):
        keep.lines = []
        r = {"ok": False, "error": ""}
        try:
            r["ok"] = bool(d.verify(idx=i, dnsfunc=dnsfunc))
        except Exception as e:
            r["error"] = "%s: %s" % (type(e).__name__, e)
        f = getattr(d, "signature_fields", {}) or {}
        r["d"] = f.get(b"d", b"").decode()
        r["a"] = f.get(b"a", b"").decode()
        r["c"] = f.get(b"c", b"simple/simple").decode()
        r["h"] = [h.decode() for h in (getattr(d, "include_headers", None) or ())]
        if not r["ok"] and not r["error"]:
            r["error"] = "; ".join(l for l in keep.lines if "valid" in l or "mismatch" in l or "rror" in l) or "signature does not verify"
        sigs.append(r)
    out.append({"sigs": sigs, "defects": defects(msg)})
json.dump(out, sys.stdout)
`

// DKIMPy verifies the DKIM signatures of msgs with dkimpy (Debian's
// python3-dkim, with python3-nacl for Ed25519 — RFC 6376, RFC 8463), a
// verifier that shares no code with postbode's signer, and parses them with
// Python's email package. txt holds the key records by name
// ("s1._domainkey.example.org" -> "v=DKIM1; k=rsa; p=...") in place of DNS.
// It returns what it found of each message. A missing dkimpy fails or
// skips the test (Tool).
func DKIMPy(t testing.TB, txt map[string]string, msgs [][]byte) []DKIMMessage {
	t.Helper()
	Tool(t, "/usr/bin/dkimverify", "python3-dkim")
	dir := t.TempDir()
	files := make([]string, len(msgs))
	for i, m := range msgs {
		files[i] = filepath.Join(dir, "m"+strconv.Itoa(i)+".eml")
		if err := os.WriteFile(files[i], m, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	in, err := json.Marshal(map[string]any{"txt": txt, "files": files})
	if err != nil {
		t.Fatal(err)
	}
	// Debian's python3, where python3-dkim is installed (not one earlier in PATH).
	cmd := exec.Command("/usr/bin/python3", "-c", dkimpyScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dkimpy: %v\n%s", err, stderr.Bytes())
	}
	var res []DKIMMessage
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(msgs) {
		t.Fatalf("dkimpy answered %d results for %d messages (%v): %s", len(res), len(msgs), err, out)
	}
	return res
}
