package pgtest

import (
	"context"
	"testing"

	"github.com/wardhq/ward/migrations"
)

// NewMigratedDatabase is [Server.NewDatabase] with ward's migrations applied.
func (s *Server) NewMigratedDatabase(t testing.TB) string {
	t.Helper()
	dsn := s.NewDatabase(t)
	db, err := migrations.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := migrations.Up(context.Background(), db, migrations.Postgres); err != nil {
		t.Fatalf("pgtest: migrating %s: %v", dsn, err)
	}
	return dsn
}
