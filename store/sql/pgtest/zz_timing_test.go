package pgtest

import (
	"context"
	"testing"
	"time"
)

func TestZZTiming(t *testing.T) {
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		b := time.Now()
		s := Start(t)
		t.Logf("start %v", time.Since(b))
		b = time.Now()
		timeout := stopTimeout
		s.ctr.Stop(ctx, &timeout)
		t.Logf("stop %v", time.Since(b))
		b = time.Now()
		s.ctr.Start(ctx)
		t.Logf("ctr start %v", time.Since(b))
		b = time.Now()
		s.waitReady(ctx)
		t.Logf("ready %v", time.Since(b))
		b = time.Now()
		s.NewDatabase(t)
		t.Logf("newdb %v", time.Since(b))
		b = time.Now()
		s.Stop(ctx)
		t.Logf("terminate %v", time.Since(b))
	}
	for i := 0; i < 2; i++ {
		b := time.Now()
		StartPair(t)
		t.Logf("pair %v", time.Since(b))
	}
}
