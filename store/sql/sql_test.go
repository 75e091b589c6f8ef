package sql_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/wardhq/ward/engine/enginetest"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
	"github.com/wardhq/ward/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// freshDatabase creates an empty, migrated database on the shared test server and returns its DSN.
func freshDatabase(t *testing.T) string {
	t.Helper()
	return pgtest.Shared(t).NewMigratedDatabase(t)
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

func TestObservability(t *testing.T) {
	reg := prometheus.NewRegistry()
	exp := tracetest.NewInMemoryExporter()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)).Tracer("test")
	st := openStore(t, freshDatabase(t), storesql.WithRegisterer(reg), storesql.WithTracer(tracer))
	if _, err := st.HeadRevision(context.Background()); err != nil {
		t.Fatal(err)
	}
	traced := false
	for _, s := range exp.GetSpans() {
		for _, a := range s.Attributes {
			if a.Key == "db.statement" && a.Value.AsString() == "SELECT revision FROM ward_head" {
				traced = true
			}
		}
	}
	if !traced {
		t.Errorf("no span records the statement of HeadRevision; spans: %v", exp.GetSpans())
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, want := range []string{"ward_db_retries_total", "ward_db_snapshot_reads_total", "ward_db_pool_connections_in_use", "ward_db_pool_connections_idle", "ward_db_pool_acquire_waits_total"} {
		if !names[want] {
			t.Errorf("metric %s is not registered", want)
		}
	}
}
