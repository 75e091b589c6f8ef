// Package store owns ward's persistent data model — relation tuples, schema versions, revisions and the
// change log — and the interfaces the domain packages need from a database. Implementations live in
// sub-packages: store/memory (the embedded default) and, later, store/sql.
//
// Every read happens at a [Revision]: a snapshot of the whole store. Writes go through
// [Store.Transact], whose function sees the newest state plus its own pending writes and commits
// atomically, returning the revision of the commit.
package store
