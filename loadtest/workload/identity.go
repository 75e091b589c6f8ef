package workload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/wardhq/ward/loadtest/driver"
)

// setupParallel is how many identities the identity workloads create or log in at once before
// the run: each costs the server a password hash, and more in flight only queue on its CPUs.
const setupParallel = 8

// loadIdentity is an identity an identity workload made before the run.
type loadIdentity struct {
	id, email string
	token     string // whoami: its session token
}

// identityRun is what one run of an identity workload creates its identities with: emails unique
// to the run, so that runs against one server do not collide, and one password for them all.
type identityRun struct {
	id       string // random, in every email of the run
	password string
}

func newIdentityRun() identityRun {
	return identityRun{id: randomHex(6), password: "ld-" + randomHex(12)}
}

// email is the address of the run's n-th identity; the workers' registrations add their number.
func (r identityRun) email(name string) string {
	return "load-" + r.id + "-" + name + "@example.test"
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// makeIdentities creates n identities through the admin API and, with login, logs each in
// through the API login flow, keeping its session token.
func makeIdentities(ctx context.Context, a *identityAPI, run identityRun, n int, login bool) ([]loadIdentity, error) {
	ids := make([]loadIdentity, n)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(setupParallel)
	for i := range ids {
		g.Go(func() error {
			email := run.email(strconv.Itoa(i))
			id, err := a.createIdentity(ctx, email, run.password)
			if err != nil {
				return fmt.Errorf("creating the identities (is the server's identity API on, with an email schema %q?): %w", identitySchema, err)
			}
			ids[i] = loadIdentity{id: id, email: email}
			if !login {
				return nil
			}
			token, err := a.loginAs(ctx, ids[i], run.password)
			if err != nil {
				return fmt.Errorf("logging the identities in: %w", err)
			}
			ids[i].token = token
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return ids, nil
}

// whoamiWorkload asks GET /sessions/whoami for the session of a token drawn uniformly from
// o.Identities sessions opened before the run; an answer that is not the token's active session,
// of its identity, is an error.
func whoamiWorkload(ctx context.Context, c Clients, o Options) (driver.Workload, error) {
	a := newIdentityAPI(c)
	ids, err := makeIdentities(ctx, a, newIdentityRun(), o.Identities, true)
	if err != nil {
		return nil, err
	}
	return perIdentity(ids, o, func(ctx context.Context, li loadIdentity) error {
		s, err := a.whoami(ctx, li.token)
		if err != nil {
			return err
		}
		if !s.Active || s.Identity.ID != li.id {
			return fmt.Errorf("GET /sessions/whoami: a session (active %t) of identity %q, want the active session of %s", s.Active, s.Identity.ID, li.id)
		}
		return nil
	}), nil
}

// loginWorkload runs a whole API login flow per request (init, then submit the password) as one
// of o.Identities identities created before the run, drawn uniformly; each opens a session.
func loginWorkload(ctx context.Context, c Clients, o Options) (driver.Workload, error) {
	a := newIdentityAPI(c)
	run := newIdentityRun()
	ids, err := makeIdentities(ctx, a, run, o.Identities, false)
	if err != nil {
		return nil, err
	}
	return perIdentity(ids, o, func(ctx context.Context, li loadIdentity) error {
		_, err := a.loginAs(ctx, li, run.password)
		return err
	}), nil
}

// loginAs logs li in and returns the session token; a session of another identity is an error.
func (a *identityAPI) loginAs(ctx context.Context, li loadIdentity, password string) (string, error) {
	token, s, err := a.login(ctx, li.email, password)
	if err != nil {
		return "", err
	}
	if s.Identity.ID != li.id {
		return "", fmt.Errorf("logging %s in opened a session of identity %s, not of %s", li.email, s.Identity.ID, li.id)
	}
	return token, nil
}

// perIdentity is the workload whose requests each do one identity's op, the identity drawn
// uniformly from ids.
func perIdentity(ids []loadIdentity, o Options, op func(context.Context, loadIdentity) error) driver.Workload {
	return func(worker int) driver.Op {
		rng := driver.Random(o.Seed, worker)
		return func(ctx context.Context) (driver.Outcome, error) {
			if err := op(ctx, ids[rng.IntN(len(ids))]); err != nil {
				return driver.Outcome{}, err
			}
			return driver.Outcome{Items: 1, Allowed: 1}, nil
		}
	}
}

// registrationWorkload runs a whole API registration flow per request (init, then submit a
// password and an email trait), each with an email no identity has.
func registrationWorkload(c Clients) driver.Workload {
	a := newIdentityAPI(c)
	run := newIdentityRun()
	return func(worker int) driver.Op {
		n := 0
		return func(ctx context.Context) (driver.Outcome, error) {
			email := run.email("w" + strconv.Itoa(worker) + "-" + strconv.Itoa(n))
			n++
			if _, err := a.register(ctx, email, run.password); err != nil {
				return driver.Outcome{}, err
			}
			return driver.Outcome{Items: 1, Allowed: 1}, nil
		}
	}
}
