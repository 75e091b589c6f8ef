package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	tclog "github.com/testcontainers/testcontainers-go/log"
)

// shared is the server of [Shared], made by [Main] before any test runs and never replaced;
// nil when the test binary's TestMain does not call Main.
var shared *lazyServer

// lazyServer starts one server on first use.
type lazyServer struct {
	once sync.Once
	srv  *Server
	err  error
}

// Main runs the tests of a test binary that uses [Shared], then removes the shared server if
// a test started one, and exits with the tests' status; it does not return. Call it from
// TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	shared = &lazyServer{}
	code := m.Run()
	if s := shared.srv; s != nil {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		if err := s.Stop(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: shared server: %v\n", err)
			code = max(code, 1)
		}
		cancel()
	}
	os.Exit(code)
}

// Shared returns the test binary's shared server, a primary, and starts it on first use; [Main]
// removes it after the last test. Tests that share it must not stop or restart it: each makes
// its own database with [Server.NewDatabase] instead. Shared fails the test when TestMain does
// not call Main, or when the server cannot be started.
func Shared(t testing.TB) *Server {
	t.Helper()
	if shared == nil {
		t.Fatal("pgtest: Shared needs the test binary's TestMain to call pgtest.Main(m)")
	}
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		// The server outlives the test that starts it, so it must not log through that test.
		shared.srv, shared.err = start(ctx, tclog.NewNoopLogger())
	})
	if shared.err != nil {
		t.Fatalf("pgtest: shared server: %v", shared.err)
	}
	return shared.srv
}
