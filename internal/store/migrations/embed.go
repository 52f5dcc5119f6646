// Package migrations embeds the SQL migrations of each dialect.
//
// Files are named NNNN_name.sql and applied in name order, each in its own
// transaction, and recorded in schema_migrations. They are append-only: never
// edit a file that has shipped, add a new one. Numbering: 0001–0009 core
// storage, 0010–0019 accounts, 0020+ diagnostics.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
