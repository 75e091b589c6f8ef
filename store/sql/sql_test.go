package sql_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/engine/enginetest"
	"github.com/wardhq/ward/migrations"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/storetest"
)

// freshDatabase creates an empty, migrated database on the test server and returns its DSN.
func freshDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("WARD_TEST_DSN")
	if base == "" {
		t.Skip("WARD_TEST_DSN is not set")
	}
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	name := "ward_test_" + hex.EncodeToString(b[:])
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	dsn := u.String()
	db, err := migrations.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := migrations.Up(ctx, db, migrations.Postgres); err != nil {
		t.Fatal(err)
	}
	return dsn
}

func openStore(t *testing.T, dsn string, opts ...storesql.Option) *storesql.Store {
	t.Helper()
	s, err := storesql.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openStore(t, freshDatabase(t), storesql.WithPollInterval(10*time.Millisecond))
	})
}

func TestEngineSuite(t *testing.T) {
	if os.Getenv("WARD_TEST_SCHEMAS") == "" {
		// Each random schema gets its own database here: keep the differential test shorter than
		// on the memory store, where it runs 1000.
		t.Setenv("WARD_TEST_SCHEMAS", "100")
	}
	enginetest.Run(t, func(t *testing.T) store.Store {
		return openStore(t, freshDatabase(t))
	})
}
