// Package web serves Maillage's server-rendered interface (DSFR).
package web

import (
	"net/http"

	"maillage/internal/domain"
)

// Options configure the web interface.
type Options struct{}

// New returns the web interface handler, mounted at "/" by the server.
func New(s domain.Store, opts Options) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Maillage</title></head><body><h1>Maillage</h1><p>L'interface arrive ; l'API est sous <a href="/api/v1/openapi.json">/api/v1</a>.</p></body></html>`))
	})
	return mux, nil
}
