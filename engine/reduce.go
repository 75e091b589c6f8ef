package engine

import (
	"context"
	"errors"
	"math"
	"sync"

	"golang.org/x/sync/errgroup"
)

// checkResult is the outcome of one sub-problem. An undecided outcome (depth limit) is an error,
// never a result, so it cannot silently become a denial.
type checkResult struct {
	member bool
	// cutAt is the depth of the shallowest ancestor whose value this result assumed because the
	// evaluation came back to it (a cycle in the data), or exact when it assumed nothing. Only exact
	// results may be cached or shared between requests.
	cutAt int32
}

const exact = math.MaxInt32

var (
	exactTrue  = checkResult{member: true, cutAt: exact}
	exactFalse = checkResult{member: false, cutAt: exact}
)

// errDecided stops the other branches of a reduction once its outcome is known.
var errDecided = errors.New("decided")

// reducer runs the branches of unions, intersections and exclusions. Each reduction runs at most
// limit branches at once; all reductions together add at most cap(spare) goroutines. A branch
// that finds no spare goroutine runs in the goroutine of its reduction: under load, when every
// core is busy anyway, checks run sequentially and cheaply; when cores are idle, branches run in
// parallel and a check's latency falls.
type reducer struct {
	limit int
	spare chan struct{} // a token per goroutine that may be added
}

func newReducer(limit, spare int) *reducer {
	return &reducer{limit: limit, spare: make(chan struct{}, spare)}
}

func (rd *reducer) acquire() bool {
	select {
	case rd.spare <- struct{}{}:
		return true
	default:
		return false
	}
}

func (rd *reducer) release() { <-rd.spare }

// race runs f for 0..n-1. It returns the first result for which decisive reports true, after
// cancelling the rest; otherwise it returns the smallest cutAt of the results and the first
// error, if any, with decided false.
func (rd *reducer) race(ctx context.Context, n int, f func(context.Context, int) (checkResult, error),
	decisive func(checkResult) bool) (r checkResult, decided bool, cut int32, err error) {
	if n == 1 || rd.limit == 1 || cap(rd.spare) == 0 {
		return sequential(ctx, n, f, decisive)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(cctx)
	g.SetLimit(rd.limit - 1) // the reduction's own goroutine runs branches too
	var (
		mu       sync.Mutex
		winner   checkResult
		won      bool
		firstErr error
	)
	cut = exact
	// run evaluates branch i and reports whether it decided the race.
	run := func(i int) bool {
		r, err := f(gctx, i)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			if firstErr == nil && gctx.Err() == nil {
				firstErr = err
			}
		case decisive(r):
			if !won {
				winner, won = r, true
			}
			return true
		default:
			cut = min(cut, r.cutAt)
		}
		return false
	}
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		// The last branch always runs here, whose stack is already grown.
		if i < n-1 && rd.acquire() {
			g.Go(func() error {
				defer rd.release()
				if run(i) {
					return errDecided // cancels gctx, stopping the other branches
				}
				return nil
			})
			continue
		}
		if run(i) {
			cancel()
			break
		}
	}
	_ = g.Wait() // errDecided is the only error a branch returns
	if won {
		return winner, true, exact, nil
	}
	if err := ctx.Err(); err != nil {
		return checkResult{}, false, exact, err
	}
	return checkResult{}, false, cut, firstErr
}

// sequential is race without concurrency: branches run one after the other in this goroutine.
func sequential(ctx context.Context, n int, f func(context.Context, int) (checkResult, error),
	decisive func(checkResult) bool) (checkResult, bool, int32, error) {
	cut := int32(exact)
	var firstErr error
	for i := range n {
		r, err := f(ctx, i)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return checkResult{}, false, exact, ctx.Err()
			}
			if firstErr == nil {
				firstErr = err
			}
		case decisive(r):
			return r, true, exact, nil
		default:
			cut = min(cut, r.cutAt)
		}
	}
	return checkResult{}, false, cut, firstErr
}

// union holds when any of n sub-problems holds.
func (rd *reducer) union(ctx context.Context, n int, f func(context.Context, int) (checkResult, error)) (checkResult, error) {
	if n == 0 {
		return exactFalse, nil
	}
	r, decided, cut, err := rd.race(ctx, n, f, func(r checkResult) bool { return r.member })
	if decided {
		return r, nil
	}
	if err != nil {
		return checkResult{}, err
	}
	return checkResult{member: false, cutAt: cut}, nil
}

// intersection holds when all n sub-problems hold.
func (rd *reducer) intersection(ctx context.Context, n int, f func(context.Context, int) (checkResult, error)) (checkResult, error) {
	r, decided, cut, err := rd.race(ctx, n, f, func(r checkResult) bool { return !r.member })
	if decided {
		return r, nil
	}
	if err != nil {
		return checkResult{}, err
	}
	return checkResult{member: true, cutAt: cut}, nil
}

// exclusion holds when base holds and subtract does not. Both run at once; either can decide alone.
func (rd *reducer) exclusion(ctx context.Context, base, subtract func(context.Context) (checkResult, error)) (checkResult, error) {
	f := func(ctx context.Context, i int) (checkResult, error) {
		if i == 0 {
			return base(ctx)
		}
		r, err := subtract(ctx)
		r.member = !r.member // "not in subtract": decisive when false, like an intersection
		return r, err
	}
	return rd.intersection(ctx, 2, f)
}
