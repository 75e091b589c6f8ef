package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
)

// toxiClient drives the Toxiproxy server over its HTTP API.
type toxiClient struct {
	url string
	*toxiproxy.Client
}

func newToxiClient(url string) *toxiClient {
	return &toxiClient{url: url, Client: toxiproxy.NewClient(url)}
}

// waitUp waits until the API answers (at most 30 s).
func (t *toxiClient) waitUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.url+"/version", nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("toxiproxy does not answer at %s", t.url)
		}
	}
}

func (t *toxiClient) create(ctx context.Context, name, listen, upstream string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := t.CreateProxy(name, listen, upstream); err != nil {
		return fmt.Errorf("toxiproxy: proxy %s (%s -> %s): %w", name, listen, upstream, err)
	}
	return nil
}

// crossing calls fn for each proxy of a link between two different regions, with the latency
// of that link, for the links that touch region only (all links if region < 0), and only for
// the services whose base port want accepts (every service if want is nil).
func (c *Cluster) crossing(region int, want func(base int) bool, fn func(name string, latency time.Duration) error) error {
	var errs []error
	for v := range c.cfg.Regions {
		for t := range c.cfg.Regions {
			if v == t || (region >= 0 && v != region && t != region) {
				continue
			}
			lo, hi := min(v, t), max(v, t)
			lat := c.cfg.Latency[c.cfg.Regions[lo]+"-"+c.cfg.Regions[hi]]
			for _, s := range services {
				if want != nil && !want(s.base) {
					continue
				}
				if err := fn(proxyName(v, t, s.base), lat); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// SetLatency sets the one-way delay of every link between regions to factor times its
// configured latency (0: none), in both directions.
func (c *Cluster) SetLatency(ctx context.Context, factor float64) error {
	return c.crossing(-1, nil, func(name string, lat time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := c.toxi.Proxy(name)
		if err != nil {
			return fmt.Errorf("toxiproxy: %s: %w", name, err)
		}
		ms := int(float64(lat.Milliseconds()) * factor)
		for _, stream := range []string{"upstream", "downstream"} {
			toxic := "latency-" + stream
			_ = p.RemoveToxic(toxic) // none yet is fine
			if ms == 0 {
				continue
			}
			attrs := toxiproxy.Attributes{"latency": ms, "jitter": ms / 10}
			if _, err := p.AddToxic(toxic, "latency", stream, 1, attrs); err != nil {
				return fmt.Errorf("toxiproxy: latency on %s: %w", name, err)
			}
		}
		return nil
	})
}

// Partition cuts region off from the others: the proxies of every link that crosses its border
// stop, closing their connections and refusing new ones. Links inside each region stay up.
func (c *Cluster) Partition(ctx context.Context, region *Region) error {
	return c.setBorder(ctx, region, false)
}

// Heal restores the links that [Cluster.Partition] cut.
func (c *Cluster) Heal(ctx context.Context, region *Region) error {
	return c.setBorder(ctx, region, true)
}

// setBorder enables or disables the proxies of every link that crosses region's border.
//
// A cut goes to etcd's links first, then to PostgreSQL's and Patroni's. The proxies stop one
// after another, a second or so for all of them, and a stopped proxy closes its connections at
// once; in a real partition they would hang instead, a walsender until wal_sender_timeout (a
// minute), and the leader would lose etcd (its lock lapses within the TTL) long before it could
// tell that its standbys were gone. Were the WAL links cut first, the leader's Patroni, still
// reaching etcd, would see no standby streaming and empty the /sync key's set of standbys that
// may be promoted — rightly, since for all it knows they have stopped receiving commits — and
// then no standby could take over before the leader came back, after the partition.
func (c *Cluster) setBorder(ctx context.Context, region *Region, up bool) error {
	toggle := func(name string, _ time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := c.toxi.Proxy(name)
		if err != nil {
			return fmt.Errorf("toxiproxy: %s: %w", name, err)
		}
		if up {
			return p.Enable()
		}
		return p.Disable()
	}
	dcs := func(base int) bool { return base == svcEtcd || base == svcEtcdPeer }
	if err := c.crossing(region.Index, dcs, toggle); err != nil {
		return err
	}
	return c.crossing(region.Index, func(base int) bool { return !dcs(base) }, toggle)
}
