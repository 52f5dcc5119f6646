// Package authtest holds attack payloads shared by the security tests (the
// JSON-level tests of internal/auth and the browser tests of the web
// interface, which check in headless Chromium that none of them runs).
package authtest

// XSSPayloads are stored in every text field; they must come back as text:
// unchanged in JSON, escaped in HTML, never executed.
var XSSPayloads = []string{
	`<script>alert("xss-1")</script>`,
	`"><img src=x onerror=alert("xss-2")>`,
	`'><svg/onload=alert("xss-3")>`,
	`javascript:alert("xss-4")`,
	`</textarea><script>alert("xss-5")</script>`,
	`<a href="javascript:alert('xss-6')">lien</a>`,
	`{{.}}<iframe src="javascript:alert('xss-7')"></iframe>`,
	`<style>@import 'http://evil.example/x.css';</style>`,
	`=HYPERLINK("http://evil.example","xss-9")`,
}

// SQLPayloads go into every filter and text parameter: they must neither
// fail with a database error nor return extra rows.
var SQLPayloads = []string{
	`' OR '1'='1`,
	`' OR 1=1 --`,
	`1 OR 1=1`,
	`'; DROP TABLE actions; --`,
	`" OR ""="`,
	`%' OR 'x'='x`,
	`\' OR 1=1 #`,
	`1) UNION SELECT owner_org, visibility FROM actions --`,
	`|parentalite|' OR '|'='|`,
	`_%`,
	"\x00",
}

// SQLErrorMarkers are strings that must never appear in an answer (they
// would leak the database and the query).
var SQLErrorMarkers = []string{"SQL", "sql:", "syntax error", "sqlite", "SQLSTATE", "pgx", "pq:", "near \"", "unterminated", "database/sql"}
