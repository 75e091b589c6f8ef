package sql

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pool is a pgxpool.Pool whose connections give their place in the pool back as soon as they are
// lost, rather than when they have finished closing.
//
// When a query's context ends, pgx closes its connection in the background: it sends the server
// a cancel request and waits, up to 15 s, for the server to hang up; pgxpool holds the
// connection's place until then. A frozen or cut-off server never hangs up, so after a failover
// every place was held by a dead connection to the old primary for 15 s while the new primary
// could have taken writes (the chaos harness's leader-stall showed it). Taking a closed
// connection out of the pool (Hijack) lets that cleanup end on its own, outside the pool.
//
// Every way of using a connection goes through release; code that acquires one must call
// p.release(c), never c.Release().
type pool struct {
	*pgxpool.Pool
	// closing is the pool's BeforeClose hook, run here for the connections taken out, which the
	// pool no longer closes.
	closing func(*pgx.Conn)
}

func newPoolOf(p *pgxpool.Pool, guard *connGuard) *pool {
	out := &pool{Pool: p}
	if guard != nil {
		out.closing = guard.closing
	}
	return out
}

// release returns c to the pool, or takes it out when it is closed. pgx ends a closed
// connection's cleanup by itself, within its 15 s bound.
func (p *pool) release(c *pgxpool.Conn) {
	if !c.Conn().IsClosed() {
		c.Release()
		return
	}
	conn := c.Hijack()
	if p.closing != nil {
		p.closing(conn)
	}
}

// Exec runs sql on a connection of the pool.
func (p *pool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := p.Acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer p.release(c)
	return c.Exec(ctx, sql, args...)
}

// Ping checks that a connection of the pool answers.
func (p *pool) Ping(ctx context.Context) error {
	c, err := p.Acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release(c)
	return c.Ping(ctx)
}

// Query runs sql on a connection of the pool, which goes back when the rows are closed.
func (p *pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c, err := p.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		p.release(c)
		return nil, err
	}
	return &pooledRows{Rows: rows, done: func() { p.release(c) }}, nil
}

// QueryRow runs sql on a connection of the pool, which goes back when the row is scanned.
func (p *pool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c, err := p.Acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return &pooledRow{row: c.QueryRow(ctx, sql, args...), done: func() { p.release(c) }}
}

// Begin starts a transaction on a connection of the pool, which goes back when the transaction
// ends.
func (p *pool) Begin(ctx context.Context) (pgx.Tx, error) { return p.BeginTx(ctx, pgx.TxOptions{}) }

// BeginTx is Begin with options.
func (p *pool) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	c, err := p.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.BeginTx(ctx, opts)
	if err != nil {
		p.release(c)
		return nil, err
	}
	return &pooledTx{Tx: tx, done: func() { p.release(c) }}, nil
}

// rollbackTimeout bounds a rollback, which runs even when the caller's context has ended: a
// server that stopped answering must not keep the connection out of use for longer.
const rollbackTimeout = 5 * time.Second

// rollback ends tx if it is still open (after Commit it does nothing).
func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	tx.Rollback(ctx)
}

// pooledRows gives its connection back once the rows are read to the end or closed.
type pooledRows struct {
	pgx.Rows
	once sync.Once
	done func()
}

func (r *pooledRows) Close() {
	r.Rows.Close()
	r.once.Do(r.done)
}

func (r *pooledRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

// pooledRow gives its connection back once scanned.
type pooledRow struct {
	row  pgx.Row
	done func()
}

func (r *pooledRow) Scan(dest ...any) error {
	defer r.done()
	return r.row.Scan(dest...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// pooledTx gives its connection back when it commits or rolls back, whether or not that
// succeeds.
type pooledTx struct {
	pgx.Tx
	once sync.Once
	done func()
}

func (t *pooledTx) Commit(ctx context.Context) error {
	err := t.Tx.Commit(ctx)
	t.once.Do(t.done)
	return err
}

func (t *pooledTx) Rollback(ctx context.Context) error {
	err := t.Tx.Rollback(ctx)
	t.once.Do(t.done)
	return err
}
