package diagnostic

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"unicode/utf8"

	"maillage/internal/domain"
)

// Media types accepted for attachments.
const (
	mtPDF  = "application/pdf"
	mtPNG  = "image/png"
	mtJPEG = "image/jpeg"
	mtGIF  = "image/gif"
	mtWEBP = "image/webp"
	mtDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	mtXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mtPPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	mtODT  = "application/vnd.oasis.opendocument.text"
	mtODS  = "application/vnd.oasis.opendocument.spreadsheet"
	mtODP  = "application/vnd.oasis.opendocument.presentation"
	mtOLE  = "application/x-ole-storage" // .doc, .xls, .ppt (Office 97–2003)
	mtCSV  = "text/csv; charset=utf-8"
	mtText = "text/plain; charset=utf-8"
	mtMD   = "text/markdown; charset=utf-8"
)

// AttachmentMediaTypes lists the media types of accepted attachments
// (without parameters).
var AttachmentMediaTypes = []string{mtPDF, mtPNG, mtJPEG, mtGIF, mtWEBP, mtDOCX, mtXLSX, mtPPTX, mtODT, mtODS, mtODP, mtOLE, "text/csv", "text/plain", "text/markdown"}

// SniffAttachment checks an attachment's content and returns its media type.
// The type comes from the content, never from the name: PDF, images (PNG,
// JPEG, GIF, WebP), office documents (OOXML, OpenDocument, Office 97–2003),
// CSV and plain text are accepted; executables, scripts, HTML, SVG and
// anything else are refused. maxSize ≤ 0 means domain.DefaultMaxAttachment.
func SniffAttachment(name string, content []byte, maxSize int64) (string, error) {
	if maxSize <= 0 {
		maxSize = domain.DefaultMaxAttachment
	}
	if int64(len(content)) > maxSize {
		return "", Errorf("file", "fichier %q trop volumineux : %s (maximum %s)", name, humanSize(int64(len(content))), humanSize(maxSize))
	}
	if len(content) == 0 {
		return "", Errorf("file", "fichier %q vide", name)
	}
	refuse := func(what string) (string, error) {
		return "", Errorf("file", "type de fichier refusé pour %q : %s (acceptés : PDF, images PNG/JPEG/GIF/WebP, documents bureautiques, CSV, texte)", name, what)
	}
	head := content[:min(len(content), 512)]
	switch {
	case bytes.HasPrefix(content, []byte("MZ")):
		return refuse("exécutable Windows")
	case bytes.HasPrefix(content, []byte("\x7fELF")):
		return refuse("exécutable ELF")
	case bytes.HasPrefix(content, []byte{0xCF, 0xFA, 0xED, 0xFE}), bytes.HasPrefix(content, []byte{0xCE, 0xFA, 0xED, 0xFE}),
		bytes.HasPrefix(content, []byte{0xCA, 0xFE, 0xBA, 0xBE}):
		return refuse("exécutable Mach-O ou classe Java")
	case bytes.HasPrefix(content, []byte("#!")):
		return refuse("script exécutable")
	case bytes.HasPrefix(content, []byte("%PDF-")):
		return mtPDF, nil
	case bytes.HasPrefix(content, []byte("\x89PNG\r\n\x1a\n")):
		return mtPNG, nil
	case bytes.HasPrefix(content, []byte{0xFF, 0xD8, 0xFF}):
		return mtJPEG, nil
	case bytes.HasPrefix(content, []byte("GIF87a")), bytes.HasPrefix(content, []byte("GIF89a")):
		return mtGIF, nil
	case len(content) >= 12 && bytes.Equal(content[:4], []byte("RIFF")) && bytes.Equal(content[8:12], []byte("WEBP")):
		return mtWEBP, nil
	case bytes.HasPrefix(content, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return mtOLE, nil
	case bytes.HasPrefix(content, []byte("PK\x03\x04")):
		if mt := officeZip(content); mt != "" {
			return mt, nil
		}
		return refuse("archive ZIP qui n'est pas un document bureautique")
	}
	// Text: valid UTF-8 (or Latin-1 without control bytes), no markup.
	body := bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(body, 0) >= 0 {
		return refuse("binaire de type inconnu")
	}
	if !utf8.Valid(body) && !latin1Text(body) {
		return refuse("binaire de type inconnu")
	}
	lower := strings.ToLower(string(body[:min(len(body), 4096)]))
	switch dt := http.DetectContentType(head); {
	case strings.HasPrefix(dt, "text/html"), strings.HasPrefix(dt, "text/xml"):
		return refuse("HTML ou XML")
	}
	for _, marker := range []string{"<svg", "<script", "<html", "<!doctype", "<iframe", "<?xml", "<body", "javascript:"} {
		if strings.Contains(lower, marker) {
			return refuse("HTML, SVG ou script")
		}
	}
	ext := strings.ToLower(name[strings.LastIndexByte(name, '.')+1:])
	switch {
	case ext == "csv" || looksCSV(body):
		return mtCSV, nil
	case ext == "md":
		return mtMD, nil
	}
	return mtText, nil
}

func officeZip(content []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		return ""
	}
	has := map[string]bool{}
	for _, f := range zr.File {
		has[f.Name] = true
		if f.Name == "mimetype" {
			rc, err := f.Open()
			if err != nil {
				return ""
			}
			var b [128]byte
			n, _ := rc.Read(b[:])
			rc.Close()
			switch strings.TrimSpace(string(b[:n])) {
			case mtODT:
				return mtODT
			case mtODS:
				return mtODS
			case mtODP:
				return mtODP
			}
		}
	}
	if !has["[Content_Types].xml"] {
		return ""
	}
	switch {
	case has["word/document.xml"]:
		return mtDOCX
	case has["xl/workbook.xml"]:
		return mtXLSX
	case has["ppt/presentation.xml"]:
		return mtPPTX
	}
	return ""
}

func latin1Text(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
		if c >= 0x7F && c < 0xA0 {
			return false
		}
	}
	return true
}

// looksCSV: at least two lines with the same number (≥ 2) of ';' or ','.
func looksCSV(b []byte) bool {
	lines := strings.Split(strings.ReplaceAll(string(b[:min(len(b), 4096)]), "\r\n", "\n"), "\n")
	if len(lines) < 2 {
		return false
	}
	for _, sep := range []string{";", ","} {
		n := strings.Count(lines[0], sep)
		if n >= 1 && strings.Count(lines[1], sep) == n {
			return true
		}
	}
	return false
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconvF(float64(n)/(1<<20)) + " Mo"
	case n >= 1<<10:
		return strconvF(float64(n)/(1<<10)) + " ko"
	}
	return itoa(n) + " octets"
}

func strconvF(x float64) string {
	s := itoa(int64(x*10+0.5) / 10)
	if d := int64(x*10+0.5) % 10; d != 0 {
		s += "," + itoa(d)
	}
	return s
}

// cleanFileName keeps the last path element of a file name, without control
// characters, at most 200 bytes.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		name = "piece-jointe"
	}
	return name
}

// sha256Hex is the hex SHA-256 of an attachment's content.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
