package cluster

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
)

// CockroachDB's ports in its container: SQL and the HTTP console.
const (
	cockroachSQLPort  = 26257
	cockroachHTTPPort = 8080
)

// servicePort is the port in the target container of a proxied service: PostgreSQL's and
// Patroni's, or on CockroachDB its SQL and HTTP ports in their place.
func (c *Cluster) servicePort(base, port int) int {
	if !c.Cockroach() {
		return port
	}
	switch base {
	case svcPG:
		return cockroachSQLPort
	case svcPatroni:
		return cockroachHTTPPort
	}
	return port
}

// startCockroach starts one CockroachDB node per region, each advertising its proxy address
// (so that nodes, like Patroni's, reach each other through the links between regions) and its
// region as locality, initializes the cluster and makes the database ward multi-region, with
// the first region as primary.
func (c *Cluster) startCockroach(ctx context.Context) error {
	c.log.Info("starting CockroachDB", "run", c.run, "image", c.cfg.CockroachImage)
	var join []string
	for j := range c.cfg.Regions {
		join = append(join, fmt.Sprintf("%s:%d", proxyAlias, svcPG+j))
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, r := range c.Regions {
		cmd := []string{"start", "--insecure",
			"--listen-addr=0.0.0.0:" + strconv.Itoa(cockroachSQLPort),
			fmt.Sprintf("--advertise-addr=%s:%d", proxyAlias, svcPG+i),
			"--http-addr=0.0.0.0:" + strconv.Itoa(cockroachHTTPPort),
			"--join=" + strings.Join(join, ","),
			"--locality=region=" + r.Name,
			// A small machine: small caches.
			"--cache=128MiB", "--max-sql-memory=128MiB",
		}
		g.Go(func() (err error) {
			r.PG, err = c.startNode(gctx, i, "pg", c.cfg.CockroachImage, nil, cmd, []int{cockroachSQLPort, cockroachHTTPPort})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	code, out, err := c.Regions[0].PG.ctr.Exec(ctx, []string{"cockroach", "init", "--insecure",
		fmt.Sprintf("--host=%s:%d", proxyAlias, svcPG)})
	if err != nil {
		return fmt.Errorf("cockroach init: %w", err)
	}
	if code != 0 {
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := readFull(out, buf)
		b.Write(buf[:n])
		return fmt.Errorf("cockroach init exited with %d: %s", code, strings.TrimSpace(b.String()))
	}
	var regions []string
	for _, r := range c.cfg.Regions[1:] {
		regions = append(regions, strconv.Quote(r))
	}
	stmt := fmt.Sprintf("CREATE DATABASE IF NOT EXISTS ward PRIMARY REGION %s REGIONS %s",
		strconv.Quote(c.cfg.Regions[0]), strings.Join(regions, ", "))
	return c.cockroachExec(ctx, stmt)
}

// cockroachExec runs stmt on the first region's node, trying again while the cluster is still
// forming (at most 2 minutes).
func (c *Cluster) cockroachExec(ctx context.Context, stmt string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	dsn := fmt.Sprintf("host=127.0.0.1 port=%d user=root dbname=defaultdb sslmode=disable connect_timeout=2",
		c.Regions[0].PG.HostPort(cockroachSQLPort))
	var last error
	for {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			_, err = conn.Exec(ctx, stmt)
			conn.Close(context.WithoutCancel(ctx))
			if err == nil {
				return nil
			}
		}
		last = err
		if sleep(ctx, time.Second) != nil {
			return fmt.Errorf("CockroachDB: %s: %w", stmt, last)
		}
	}
}
