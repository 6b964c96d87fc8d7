package mta

import (
	"bytes"
	"encoding/base64"
	"mime"
)

// Attachment is a file sent with a message.
type Attachment struct {
	// Name is the file name shown to the recipient; required.
	Name string
	// ContentType is the media type, e.g. application/json; optional,
	// default application/octet-stream.
	ContentType string
	// Data is the file's content.
	Data []byte
}

// ComposeMixed builds the message Compose builds with files attached: a
// multipart/mixed (RFC 2046 §5.1.3) whose first part is the text/HTML body
// and whose further parts are the files, base64-encoded (RFC 2045 §6.8) with
// Content-Disposition: attachment and an RFC 2231 encoded file name. Without
// files it is Compose.
func ComposeMixed(h Header, html, text string, files []Attachment) []byte {
	msg := Compose(h, html, text)
	if len(files) == 0 {
		return msg
	}
	// Compose writes the body's Content-Type last in the header block: the
	// header fields before it stay on top, the rest becomes the first part.
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	cut := bytes.LastIndex(msg[:end+2], []byte("\r\nContent-Type:"))
	top, body := msg[:cut+2], msg[cut+2:]
	size := len(msg)
	for _, f := range files {
		size += len(f.Data)*4/3 + len(f.Data)/38 + 512
	}
	b := make([]byte, 0, size)
	boundary := "=_pbm" + randHex(12)
	b = append(b, top...)
	b = appendHeader(b, "Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	b = append(b, "\r\n--"+boundary+"\r\n"...)
	b = append(b, body...)
	for _, f := range files {
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		name := clean(f.Name)
		b = append(b, "\r\n--"+boundary+"\r\n"...)
		b = appendHeader(b, "Content-Type", mime.FormatMediaType(ct, map[string]string{"name": name}))
		b = appendHeader(b, "Content-Transfer-Encoding", "base64")
		b = appendHeader(b, "Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		b = append(b, "\r\n"...)
		b = appendBase64(b, f.Data)
	}
	b = append(b, "\r\n--"+boundary+"--\r\n"...)
	return b
}

// appendBase64 writes data base64-encoded in lines of 76 characters.
func appendBase64(b, data []byte) []byte {
	const chunk = 57 // 57 bytes encode to 76 characters
	for i := 0; i < len(data); i += chunk {
		j := min(i+chunk, len(data))
		b = base64.StdEncoding.AppendEncode(b, data[i:j])
		b = append(b, "\r\n"...)
	}
	return b
}
