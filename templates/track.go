package templates

import (
	"bytes"
	"html"
	"strings"
)

// rewriteLinks copies src to out (reset first) and returns out's bytes,
// passing the href of every <a> through opt.TrackClick (http and https
// links only, never the recipient-action links in links) and adding the
// open pixel before the last </body>. It also returns where the byte at
// src[mark] went (-1 when mark is -1 or inside a rewritten tag).
func rewriteLinks(out *bytes.Buffer, src []byte, links Links, opt RenderOptions, mark int) ([]byte, int) {
	out.Reset()
	out.Grow(len(src) + len(src)/8 + 256)
	c := copier{out: out, mark: mark, at: -1}
	pixelAt := -1 // where the open pixel goes: before </body>, or at the end
	if opt.OpenPixel != "" {
		if pixelAt = lastIndexFold(src, "</body"); pixelAt < 0 {
			pixelAt = len(src)
		}
	}
	for len(src) > 0 || pixelAt >= 0 {
		i := -1
		if opt.TrackClick != nil {
			i = indexAnchor(src)
		}
		if pixelAt >= 0 && (i < 0 || pixelAt < i) {
			c.copy(src[:pixelAt])
			writePixel(out, opt.OpenPixel)
			src, pixelAt = src[pixelAt:], -1
			continue
		}
		if i < 0 {
			c.copy(src)
			break
		}
		end := tagEnd(src[i:])
		if end < 0 {
			c.copy(src)
			break
		}
		c.copy(src[:i])
		writeTrackedTag(out, src[i:i+end], links, opt.TrackClick)
		c.done += end
		src = src[i+end:]
		if pixelAt >= 0 {
			pixelAt -= i + end
		}
	}
	return out.Bytes(), c.at
}

// copier copies runs of the source to out, noting where the source offset
// mark lands in out.
type copier struct {
	out      *bytes.Buffer
	mark, at int
	done     int // source bytes consumed
}

func (c *copier) copy(b []byte) {
	if c.mark >= c.done && c.mark < c.done+len(b) {
		c.at = c.out.Len() + c.mark - c.done
	}
	c.out.Write(b)
	c.done += len(b)
}

func writePixel(out *bytes.Buffer, url string) {
	out.WriteString(`<img data-pb-open src="`)
	out.WriteString(html.EscapeString(url))
	out.WriteString(`" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`)
}

// indexAnchor finds the next "<a" followed by whitespace.
func indexAnchor(b []byte) int {
	off := 0
	for {
		i := bytes.IndexByte(b[off:], '<')
		if i < 0 || off+i+2 >= len(b) {
			return -1
		}
		p := off + i
		if (b[p+1] == 'a' || b[p+1] == 'A') && isSpace(b[p+2]) {
			return p
		}
		off = p + 1
	}
}

// tagEnd returns the length of the tag at the start of b, through '>'.
func tagEnd(b []byte) int {
	var quote byte
	for i := 1; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return -1
}

// writeTrackedTag writes an <a ...> tag with its href replaced when it should be tracked.
func writeTrackedTag(out *bytes.Buffer, tag []byte, links Links, track func(string) string) {
	vs, ve := hrefValue(tag)
	if vs < 0 {
		out.Write(tag)
		return
	}
	raw := string(tag[vs:ve])
	u := raw
	if strings.IndexByte(u, '&') >= 0 {
		u = html.UnescapeString(u)
	}
	if !trackable(u, links) {
		out.Write(tag)
		return
	}
	quoted := vs > 0 && (tag[vs-1] == '"' || tag[vs-1] == '\'')
	out.Write(tag[:vs])
	if !quoted {
		out.WriteByte('"')
	}
	out.Write(appendHTMLEscaped(out.AvailableBuffer(), track(u)))
	if !quoted {
		out.WriteByte('"')
	}
	out.Write(tag[ve:])
}

// hrefValue finds the href attribute value in an <a> tag: start and end offsets.
func hrefValue(tag []byte) (int, int) {
	for i := 2; i+5 <= len(tag); i++ {
		if !isSpace(tag[i-1]) || !bytes.EqualFold(tag[i:i+4], []byte("href")) {
			continue
		}
		j := i + 4
		for j < len(tag) && isSpace(tag[j]) {
			j++
		}
		if j >= len(tag) || tag[j] != '=' {
			continue
		}
		j++
		for j < len(tag) && isSpace(tag[j]) {
			j++
		}
		if j >= len(tag) {
			return -1, -1
		}
		if q := tag[j]; q == '"' || q == '\'' {
			k := bytes.IndexByte(tag[j+1:], q)
			if k < 0 {
				return -1, -1
			}
			return j + 1, j + 1 + k
		}
		k := j
		for k < len(tag) && !isSpace(tag[k]) && tag[k] != '>' {
			k++
		}
		return j, k
	}
	return -1, -1
}

func trackable(u string, l Links) bool {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return false
	}
	switch u {
	case l.Unsubscribe, l.Update, l.Privacy, l.View, l.UpdateOK, l.UpdateChange, l.UpdateRemove:
		return false
	}
	return true
}

func lastIndexFold(b []byte, s string) int {
	for i := len(b) - len(s); i >= 0; i-- {
		if b[i] == '<' && bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return i
		}
	}
	return -1
}
