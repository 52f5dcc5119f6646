// Package domain holds Maillage's domain types and rules: territories,
// indicators, actors, actions and their fundings, the referentials they use,
// and the storage interfaces that the database packages implement.
//
// It imports no storage, HTTP or file-format package: everything else in
// Maillage depends on it, it depends on nothing of Maillage.
package domain
