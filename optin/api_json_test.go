package optin_test

import (
	"encoding/json"
	"io"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func decodeBody(t interface{ Fatal(...any) }, r io.Reader, v any) {
	if err := json.NewDecoder(r).Decode(v); err != nil {
		t.Fatal(err)
	}
}
