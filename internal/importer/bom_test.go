package importer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"maillage/internal/domain"
)

// JSON files saved by Notepad or Excel start with a UTF-8 BOM: every JSON
// importer accepts them.
func TestJSONWithBOM(t *testing.T) {
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		cog := writeMiniCOG(t)
		entries, err := os.ReadDir(cog)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			p := filepath.Join(cog, e.Name())
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, append([]byte("\uFEFF"), b...), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ImportCOG(ctx, s, cog, Options{}); err != nil {
			t.Fatalf("COG with BOM: %v", err)
		}
		dir := t.TempDir()
		p := writeFile(t, dir, "communes.geojson", "\uFEFF"+collection(squareFeature(`{"code":"18033"}`, 2.3, 47.0, 0.2)))
		if _, err := ImportGeo(ctx, s, p, Options{}); err != nil {
			t.Fatalf("geo with BOM: %v", err)
		}
		data, err := os.ReadFile(filepath.Join("testdata", "data-inclusion.json"))
		if err != nil {
			t.Fatal(err)
		}
		p = writeFile(t, dir, "di.json", "\uFEFF"+string(data))
		if _, err := ImportDataInclusion(ctx, s, p, Options{SkipInvalid: true}); err != nil {
			t.Fatalf("data·inclusion with BOM: %v", err)
		}
	})
}
