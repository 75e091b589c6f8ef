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

// race runs f for 0..n-1 with at most limit running at once. It returns the first result for which
// decisive reports true, after cancelling the rest; otherwise it returns every result and the first
// error, if any, with decided false.
func race(ctx context.Context, n, limit int, f func(context.Context, int) (checkResult, error),
	decisive func(checkResult) bool) (r checkResult, decided bool, results []checkResult, err error) {
	if n == 1 {
		r, err := f(ctx, 0)
		if err != nil {
			return checkResult{}, false, nil, err
		}
		return r, decisive(r), []checkResult{r}, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	var (
		mu       sync.Mutex
		winner   checkResult
		firstErr error
	)
	results = make([]checkResult, n)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			r, err := f(gctx, i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				if firstErr == nil && gctx.Err() == nil {
					firstErr = err
				}
			case decisive(r):
				winner = r
				return errDecided
			default:
				results[i] = r
			}
			return nil
		})
	}
	if werr := g.Wait(); werr == errDecided {
		return winner, true, nil, nil
	}
	if err := ctx.Err(); err != nil {
		return checkResult{}, false, nil, err
	}
	return checkResult{}, false, results, firstErr
}

// union holds when any of n sub-problems holds.
func union(ctx context.Context, n, limit int, f func(context.Context, int) (checkResult, error)) (checkResult, error) {
	if n == 0 {
		return exactFalse, nil
	}
	r, decided, all, err := race(ctx, n, limit, f, func(r checkResult) bool { return r.member })
	if decided {
		return r, nil
	}
	if err != nil {
		return checkResult{}, err
	}
	return checkResult{member: false, cutAt: minCut(all)}, nil
}

// intersection holds when all n sub-problems hold.
func intersection(ctx context.Context, n, limit int, f func(context.Context, int) (checkResult, error)) (checkResult, error) {
	r, decided, all, err := race(ctx, n, limit, f, func(r checkResult) bool { return !r.member })
	if decided {
		return r, nil
	}
	if err != nil {
		return checkResult{}, err
	}
	return checkResult{member: true, cutAt: minCut(all)}, nil
}

// exclusion holds when base holds and subtract does not. Both run at once; either can decide alone.
func exclusion(ctx context.Context, limit int, base, subtract func(context.Context) (checkResult, error)) (checkResult, error) {
	f := func(ctx context.Context, i int) (checkResult, error) {
		if i == 0 {
			return base(ctx)
		}
		r, err := subtract(ctx)
		r.member = !r.member // "not in subtract": decisive when false, like an intersection
		return r, err
	}
	return intersection(ctx, 2, limit, f)
}

func minCut(rs []checkResult) int32 {
	m := int32(exact)
	for _, r := range rs {
		m = min(m, r.cutAt)
	}
	return m
}
