package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/migrations"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// migrateCLI runs `ward migrate …` in this process with the given environment, and returns its
// standard output and error.
func migrateCLI(t *testing.T, environ []string, args ...string) (string, error) {
	t.Helper()
	return wardEnv(t, environ, append([]string{"migrate"}, args...)...)
}

func TestMigrateNeedsADatabase(t *testing.T) {
	for _, args := range [][]string{{"up"}, {"status"}} {
		_, err := migrateCLI(t, nil, args...)
		if err == nil || !strings.Contains(err.Error(), "set --dsn or WARD_DSN") {
			t.Errorf("migrate %s without a DSN: %v", args[0], err)
		}
	}
	_, err := migrateCLI(t, []string{"WARD_DSN=postgres://localhost/ward"}, "up", "--dialect", "mysql")
	if err == nil || !strings.Contains(err.Error(), `unknown SQL dialect "mysql"`) {
		t.Errorf("migrate up --dialect mysql: %v", err)
	}
}

func TestMigrateUpAndStatus(t *testing.T) {
	dsn := freshTestDatabase(t)
	env := []string{"WARD_DSN=" + dsn}

	out, err := migrateCLI(t, env, "status")
	want := "SET       VERSION  NAME                         STATE    APPLIED AT\n" +
		"postgres  1        00001_tuples.sql             pending  -\n" +
		"postgres  2        00002_oauth2.sql             pending  -\n" +
		"postgres  3        00003_oauth2_assertions.sql  pending  -\n" +
		"postgres  4        00004_identity.sql           pending  -\n" +
		"postgres  5        00005_courier.sql            pending  -\n"
	if out != want {
		t.Errorf("status before up:\n%s\nwant:\n%s", out, want)
	}
	if wantErr := "the database is behind this ward's migrations: the database schema is at version 0 but this ward needs 5; run `ward migrate up`"; err == nil || err.Error() != wantErr {
		t.Errorf("status before up: error %v, want %q", err, wantErr)
	}

	out, err = migrateCLI(t, nil, "up", "--dsn", dsn) // the flag instead of the environment
	if err != nil {
		t.Fatalf("up: %v", oneLine(err))
	}
	if !strings.HasPrefix(out, "applied postgres/00001_tuples.sql (") || !strings.HasSuffix(out, "up to date (postgres version 5)\n") {
		t.Errorf("first up printed:\n%s", out)
	}

	out, err = migrateCLI(t, env, "up")
	if err != nil {
		t.Fatalf("second up: %v", oneLine(err))
	}
	if out != "already up to date (postgres version 5)\n" {
		t.Errorf("second up printed:\n%s", out)
	}

	out, err = migrateCLI(t, env, "status")
	if err != nil {
		t.Fatalf("status: %v", oneLine(err))
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 8 || !strings.HasPrefix(lines[1], "postgres  1        00001_tuples.sql             applied  20") ||
		!strings.HasPrefix(lines[2], "postgres  2        00002_oauth2.sql             applied  20") ||
		!strings.HasPrefix(lines[3], "postgres  3        00003_oauth2_assertions.sql  applied  20") ||
		!strings.HasPrefix(lines[4], "postgres  4        00004_identity.sql           applied  20") ||
		!strings.HasPrefix(lines[5], "postgres  5        00005_courier.sql            applied  20") ||
		lines[6] != "the database schema is current" {
		t.Errorf("status after up:\n%s", out)
	}
}

// `ward migrate status` exits 0 only when the database has exactly this ward's migrations, and
// otherwise exits non-zero with a line that says whether the database is behind or ahead.
func TestMigrateStatusExitStatus(t *testing.T) {
	dsn := freshTestDatabase(t)
	env := []string{"WARD_DSN=" + dsn}
	db, err := migrations.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	states, err := migrations.Status(t.Context(), db, migrations.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	latest := states[len(states)-1] // this ward's newest migration

	stdout, stderr, code := wardProcess(t, env, "migrate", "status")
	if want := fmt.Sprintf("ward: the database is behind this ward's migrations: the database schema is at version 0 but this ward needs %d; run `ward migrate up`\n", latest.Version); code == 0 || stderr != want {
		t.Errorf("status of a database never migrated: exit %d, stderr %q; want non-zero and %q", code, stderr, want)
	}
	if !regexp.MustCompile(fmt.Sprintf(`\npostgres +%d +%s +pending +-\n`, latest.Version, regexp.QuoteMeta(latest.Name))).MatchString(stdout) {
		t.Errorf("status of a database never migrated printed:\n%s", stdout)
	}

	if _, _, code := wardProcess(t, env, "migrate", "up"); code != 0 {
		t.Fatalf("migrate up: exit %d", code)
	}
	stdout, stderr, code = wardProcess(t, env, "migrate", "status")
	if code != 0 || stderr != "" || !strings.HasSuffix(stdout, "the database schema is current\n") {
		t.Errorf("status of a current database: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}

	// A newer ward applied a migration this one does not know.
	next := latest.Version + 1
	if _, err := db.ExecContext(t.Context(), "INSERT INTO ward_migrations (version_id, is_applied) VALUES ($1, true)", next); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = wardProcess(t, env, "migrate", "status")
	if want := fmt.Sprintf("ward: the database is ahead of this ward's migrations: the database schema is at version %d but this ward knows only up to %d: a newer ward migrated it; run that ward instead\n", next, latest.Version); code == 0 || stderr != want {
		t.Errorf("status of a database ahead: exit %d, stderr %q; want non-zero and %q", code, stderr, want)
	}
	if !regexp.MustCompile(fmt.Sprintf(`\npostgres +%d +\(unknown to this ward\) +applied +20`, next)).MatchString(stdout) {
		t.Errorf("status of a database ahead printed:\n%s", stdout)
	}
}

// TestMigrateUpFromConcurrentProcesses starts five `ward migrate up` processes at the same instant
// against one database, fresh or with its version table already there (an upgrade, where the
// processes race on the migrations themselves): all succeed, exactly one applies the migrations,
// and each migration is recorded once.
func TestMigrateUpFromConcurrentProcesses(t *testing.T) {
	for _, upgrade := range []bool{false, true} {
		t.Run(map[bool]string{false: "fresh", true: "upgrade"}[upgrade], func(t *testing.T) {
			dsn := freshTestDatabase(t)
			db, err := migrations.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if upgrade {
				createVersionTable(t, db)
			}

			const processes = 5
			// Each process waits for this instant before it runs, so that their process start-up
			// times do not serialize them.
			at := time.Now().Add(time.Second)
			var (
				wg      sync.WaitGroup
				outputs = make([]string, processes)
				errs    = make([]error, processes)
			)
			for i := range processes {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
					defer cancel()
					cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWardProcess$")
					cmd.Env = append(os.Environ(),
						"WARD_TEST_PROCESS=migrate up",
						"WARD_TEST_PROCESS_AT="+strconv.FormatInt(at.UnixNano(), 10),
						"WARD_DSN="+dsn,
					)
					out, err := cmd.CombinedOutput()
					outputs[i], errs[i] = string(out), err
				})
			}
			wg.Wait()
			took := time.Since(at)

			appliers := 0
			for i := range processes {
				if errs[i] != nil {
					t.Errorf("process %d: %v\n%s", i, errs[i], outputs[i])
				}
				switch {
				case strings.HasPrefix(outputs[i], "applied "):
					appliers++
				case !strings.HasPrefix(outputs[i], "already up to date"):
					t.Errorf("process %d printed:\n%s", i, outputs[i])
				}
			}
			t.Logf("%d processes done %v after their common start", processes, took)
			if appliers != 1 {
				t.Errorf("%d processes applied migrations, want exactly 1", appliers)
			}
			rows, err := db.QueryContext(t.Context(), "SELECT version_id, count(*) FROM ward_migrations GROUP BY version_id ORDER BY version_id")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var recorded []string
			for rows.Next() {
				var v, n int64
				if err := rows.Scan(&v, &n); err != nil {
					t.Fatal(err)
				}
				recorded = append(recorded, fmt.Sprintf("%d×%d", v, n))
			}
			if got := strings.Join(recorded, " "); got != "0×1 1×1 2×1 3×1 4×1 5×1" {
				t.Errorf("ward_migrations records version×rows %s, want 0×1 1×1 2×1 3×1 4×1 5×1", got)
			}
			if err := migrations.Check(t.Context(), db, migrations.Postgres); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// TestWardProcess is not a test: tests that need a `ward` process of their own (its exit status,
// all it logs) run the test binary with WARD_TEST_PROCESS set to the arguments, and it runs main.
func TestWardProcess(t *testing.T) {
	args := os.Getenv("WARD_TEST_PROCESS")
	if args == "" {
		t.Skip("runs only as a child process of another test")
	}
	if at, err := strconv.ParseInt(os.Getenv("WARD_TEST_PROCESS_AT"), 10, 64); err == nil {
		time.Sleep(time.Until(time.Unix(0, at)))
	}
	os.Args = append([]string{"ward"}, strings.Fields(args)...)
	main() // exits 1 on error
	os.Exit(0)
}

func TestMain(m *testing.M) {
	// The CLI's commands that a test runs without a cache directory of its own remember their
	// tokens here rather than in the user's cache directory. A child process (TestWardProcess)
	// has the cache directory its test gave it.
	if os.Getenv("WARD_TEST_PROCESS") == "" {
		os.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "ward-cmd-test-cache"))
	}
	pgtest.Main(m)
}

// freshTestDatabase creates an empty database on the shared test server and returns its DSN; the
// database is dropped when the test ends.
func freshTestDatabase(t *testing.T) string {
	t.Helper()
	return pgtest.Shared(t).NewDatabase(t)
}

// createVersionTable makes the state of an upgrade: goose's version table exists and every
// migration is pending.
func createVersionTable(t *testing.T, db *sql.DB) {
	t.Helper()
	_, err := db.ExecContext(t.Context(), `CREATE TABLE ward_migrations (
		id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
		version_id bigint NOT NULL,
		is_applied boolean NOT NULL,
		tstamp timestamp NOT NULL DEFAULT now()
	);
	INSERT INTO ward_migrations (version_id, is_applied) VALUES (0, true)`)
	if err != nil {
		t.Fatal(err)
	}
}
