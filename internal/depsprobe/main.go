package main

import (
	_ "github.com/alexedwards/scs/v2"
	_ "github.com/chromedp/chromedp"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/paulmach/orb/geojson"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/xuri/excelize/v2"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/term"
	_ "golang.org/x/text/encoding/charmap"
	_ "modernc.org/sqlite"
)

func main() {}
