package importer

import (
	"bufio"
	"bytes"
	"io"
)

// utf8BOM is the byte order mark some editors (Notepad, Excel) put at the
// start of UTF-8 files; JSON decoders refuse it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// skipBOM returns r without a leading UTF-8 byte order mark.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		br.Discard(3)
	}
	return br
}

// trimBOM returns data without a leading UTF-8 byte order mark.
func trimBOM(data []byte) []byte { return bytes.TrimPrefix(data, utf8BOM) }
