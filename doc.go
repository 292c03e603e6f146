// Package epiloop is the domain of the outbreak-response command platform:
// leads, the two tasks of the double push, structured feedback, the
// reconcile rule, jurisdictions and units, users and their scopes, events,
// and the storage contract that every engine implements.
//
// The package imports no database and no HTTP: the rules here are pure
// functions so that every storage engine and every transport obeys the same
// ones.
package epiloop
