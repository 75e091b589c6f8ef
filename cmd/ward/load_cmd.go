package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/loadtest/dataset"
	"github.com/wardhq/ward/loadtest/driver"
	"github.com/wardhq/ward/loadtest/report"
	"github.com/wardhq/ward/loadtest/workload"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	"github.com/wardhq/ward/proto/ward/ping/v1/pingv1connect"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
)

func newLoadCommand(c *client) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Generate and load benchmark datasets, and measure a server under load",
	}
	ds := &cobra.Command{Use: "dataset", Short: "Generate a benchmark dataset, or write one into a server"}
	ds.AddCommand(newDatasetGenerateCommand(), newDatasetLoadCommand(c))
	cmd.AddCommand(ds, newLoadRunCommand(c))
	return cmd
}

func newDatasetGenerateCommand() *cobra.Command {
	var model, size, out string
	var seed uint64
	var tuples int
	cmd := &cobra.Command{
		Use:   "generate --out DIR",
		Short: "Write a deterministic dataset (schema.zed, tuples.txt, dataset.json) into DIR",
		Long: `Write a dataset into DIR: the same model, size and seed always give the same bytes.
Models: docs (users, nested groups, nested folders, documents) and org (organizations, nested
teams, repositories). Sizes: small (about 10 thousand tuples), medium (1 million), large (10 million).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, ok := dataset.Sizes[size]
			if !ok {
				return fmt.Errorf("--size must be small, medium or large, not %q", size)
			}
			if tuples > 0 {
				n = tuples
			}
			m, err := dataset.New(model, n, seed)
			if err != nil {
				return err
			}
			man, err := dataset.Write(out, m)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d tuples of the %s model (seed %d) to %s\n", man.Tuples, model, seed, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "docs", "docs or org")
	cmd.Flags().StringVar(&size, "size", "small", "small, medium or large")
	cmd.Flags().IntVar(&tuples, "tuples", 0, "about this many tuples, instead of a --size")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	cmd.Flags().StringVar(&out, "out", "", "directory to write (created if needed)")
	cmd.MarkFlagRequired("out")
	return cmd
}

func newDatasetLoadCommand(c *client) *cobra.Command {
	var batch, parallel int
	var progress bool
	cmd := &cobra.Command{
		Use:   "load DIR",
		Short: "Write a dataset's schema and tuples into the server; prints the snapshot token of the last write",
		Long: `Write a dataset's schema, then its tuples in parallel batches (touching them, so that
loading twice is harmless), through the admin API. It returns once reads without a token see the
data (up to the server's max_staleness after the last write), and prints the last write's token.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch < 1 || batch > engine.MaxWriteBatch {
				return fmt.Errorf("--batch must be between 1 and %d", engine.MaxWriteBatch)
			}
			total := int64(-1) // unknown without a manifest: the bar spins
			if m, err := dataset.ReadManifest(args[0]); err == nil {
				total = int64(m.Tuples)
			}
			visible := progress && isTerminal(cmd.ErrOrStderr())
			bar := newBar(cmd.ErrOrStderr(), visible, total, "loading", progressbar.OptionShowCount())
			var written atomic.Int64
			start := time.Now()
			hc := c.withCredentials(loadHTTPClient(parallel))
			l := dataset.Loader{
				Schemas:       schemav1connect.NewSchemaServiceClient(hc, c.adminEndpoint),
				Relationships: relationshipv1connect.NewRelationshipServiceClient(hc, c.adminEndpoint),
				Batch:         batch,
				Parallel:      parallel,
				Permissions:   permissionv1connect.NewPermissionServiceClient(hc, c.adminEndpoint),
				Progress: func(n int) {
					// The rate since the start, once there is enough of it to mean something
					// (the bar's own rate counts the first batch as if it took no time).
					done := written.Add(int64(n))
					if d := time.Since(start); d > 250*time.Millisecond {
						bar.Describe(fmt.Sprintf("loading: %.0f tuples/s", float64(done)/d.Seconds()))
					}
					bar.Add(n)
				},
			}
			st, err := l.Load(cmd.Context(), args[0])
			finishBar(cmd.ErrOrStderr(), bar, visible)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d tuples in %s (%.0f tuples/s); reads without a token saw them %s later\n",
				st.Tuples, st.Write.Round(time.Millisecond), float64(st.Tuples)/st.Write.Seconds(), st.Visible.Round(time.Millisecond))
			c.wrote(cmd, st.Token)
			fmt.Fprintln(cmd.OutOrStdout(), st.Token)
			return nil
		},
	}
	cmd.Flags().IntVar(&batch, "batch", engine.MaxWriteBatch, "tuples per write")
	cmd.Flags().IntVar(&parallel, "parallel", 4, "writes in flight at once")
	cmd.Flags().BoolVar(&progress, "progress", true, "show a progress bar on standard error when it is a terminal")
	return cmd
}

// runFlags are the flags of `ward load run`.
type runFlags struct {
	workload  string
	dataset   string
	cfg       driver.Config
	opts      workload.Options
	jsonOut   string
	compare   string
	minRatio  float64
	reportOut string
	progress  bool
}

func newLoadRunCommand(c *client) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run --workload W",
		Short: "Run a workload against the server and report throughput and latency",
		Long: `Run a workload for --duration: closed loop with --concurrency callers, or open loop at
--rate requests per second (latency counted from when each request was due, so a server that
falls behind is charged for it). Workloads: noop (a Ping: the transport's limit, the baseline),
check, check-bulk, lookup, write-mix, which draw from --dataset; and for the OAuth2 server token
(client credentials issuance), introspect (Connect IntrospectionService) and introspect-http
(RFC 7662), which register a client of their own; and for the identity service, in Ory Kratos's
HTTP contract (--endpoint its public API, --admin-endpoint its admin API, an identity schema
"default" whose email trait is the password identifier): whoami (GET /sessions/whoami with one of
--identities sessions opened before the run), login (a whole API login flow per request, as one
of --identities identities) and registration (a whole API registration flow per request, with a
new email each). Exits non-zero if any request failed, or if a throughput ratio to --compare is
below --min-ratio.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLoad(cmd, c, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.workload, "workload", "check", "one of "+strings.Join(workload.Names, ", "))
	fl.StringVar(&f.dataset, "dataset", "", "`DIR` of the dataset the workload draws from (made by ward load dataset generate)")
	fl.DurationVar(&f.cfg.Duration, "duration", 10*time.Second, "how long to send requests")
	fl.IntVar(&f.cfg.Concurrency, "concurrency", 32, "callers (closed loop), or the most requests in flight (open loop)")
	fl.Float64Var(&f.cfg.Rate, "rate", 0, "requests per second: selects the open loop")
	fl.DurationVar(&f.cfg.Timeout, "timeout", 2*time.Second, "timeout of each request, and the grace after --duration")
	fl.DurationVar(&f.cfg.Interval, "interval", time.Second, "width of the time series' buckets")
	fl.Uint64Var(&f.opts.Seed, "seed", 1, "random seed of the requests")
	fl.Float64Var(&f.opts.Zipf, "zipf", 1.1, "exponent (> 1) of the Zipf law of resources' popularity")
	fl.IntVar(&f.opts.BulkItems, "bulk-items", 100, "checks per check-bulk request")
	fl.Float64Var(&f.opts.WriteShare, "write-share", 0.05, "share of write-mix requests that are writes")
	fl.IntVar(&f.opts.Identities, "identities", 100, "identities whoami and login create before the run")
	fl.StringVar(&f.jsonOut, "json", "", "write the result as JSON to this file")
	fl.StringVar(&f.compare, "compare", "", "print ratios to the result in this JSON file (such as a noop run's)")
	fl.Float64Var(&f.minRatio, "min-ratio", 0, "with --compare: fail if checks/s over the other run's requests/s is below this")
	fl.StringVar(&f.reportOut, "report", "", "write an HTML page that draws throughput and latency over time")
	fl.BoolVar(&f.progress, "progress", true, "show a progress bar on standard error when it is a terminal")
	return cmd
}

func runLoad(cmd *cobra.Command, c *client, f runFlags) error {
	var m dataset.Manifest
	if f.dataset != "" {
		var err error
		if m, err = dataset.ReadManifest(f.dataset); err != nil {
			return err
		}
	}
	var base *driver.Result
	if f.compare != "" {
		var err error
		if base, err = report.ReadJSON(f.compare); err != nil {
			return err
		}
	}
	plain := loadHTTPClient(f.cfg.Concurrency)
	hc := c.withCredentials(plain)
	clients := workload.Clients{
		Ping:          pingv1connect.NewPingServiceClient(hc, c.endpoint),
		Permissions:   permissionv1connect.NewPermissionServiceClient(hc, c.endpoint),
		Relationships: relationshipv1connect.NewRelationshipServiceClient(hc, c.adminEndpoint),
		Introspection: oauth2v1connect.NewIntrospectionServiceClient(hc, c.endpoint),
		OAuth2Admin:   oauth2v1connect.NewOAuth2AdminServiceClient(hc, c.adminEndpoint),
		HTTP:          hc,
		PublicHTTP:    plain,
		Endpoint:      c.endpoint,
		AdminEndpoint: c.adminEndpoint,
	}
	w, err := workload.New(cmd.Context(), f.workload, clients, m, f.opts)
	if err != nil {
		return err
	}
	// A bar redraws its line with \r, which a file or a pipe would keep, frame after frame.
	visible := f.progress && isTerminal(cmd.ErrOrStderr())
	bar := newBar(cmd.ErrOrStderr(), visible, f.cfg.Duration.Milliseconds(), f.workload)
	cfg := f.cfg
	cfg.GiveUp = giveUpAfter
	var last struct {
		at       time.Duration
		requests int64
	}
	cfg.Progress = func(elapsed time.Duration, requests, errs int64) {
		// The rate of the last quarter second, not the average since the start: it shows a
		// server slowing down as it happens.
		rate := float64(requests-last.requests) / max(elapsed-last.at, time.Millisecond).Seconds()
		last.at, last.requests = elapsed, requests
		bar.Describe(fmt.Sprintf("%s: %d requests (%.0f/s), %d errors", f.workload, requests, rate, errs))
		bar.Set64(min(elapsed.Milliseconds(), cfg.Duration.Milliseconds()))
	}
	res, err := driver.Run(cmd.Context(), cfg, w)
	finishBar(cmd.ErrOrStderr(), bar, visible)
	var allFailed *driver.AllFailedError
	if errors.As(err, &allFailed) {
		return fmt.Errorf("%w: is the server at %s up, and are --endpoint, --admin-endpoint and the credentials right?", err, c.endpoint)
	}
	if err != nil {
		return err
	}
	res.Workload, res.Endpoint = f.workload, c.endpoint
	if f.dataset != "" {
		res.Dataset = fmt.Sprintf("%s (%s model, seed %d, %d tuples)", filepath.Base(f.dataset), m.Model, m.Seed, m.Tuples)
	}

	out := cmd.OutOrStdout()
	if err := report.Table(out, res); err != nil {
		return err
	}
	if f.jsonOut != "" {
		if err := report.WriteJSON(f.jsonOut, res); err != nil {
			return err
		}
	}
	if f.reportOut != "" {
		if err := writeHTMLReport(f.reportOut, res); err != nil {
			return err
		}
	}
	var errs []error
	if res.Errors > 0 {
		errs = append(errs, fmt.Errorf("%d of %d requests failed", res.Errors, res.Requests))
	}
	if base != nil {
		fmt.Fprintln(out)
		if err := report.WriteCompare(out, res, base); err != nil {
			return err
		}
		if r := report.Compare(res, base).Throughput; r < f.minRatio {
			errs = append(errs, fmt.Errorf("throughput ratio of %s to %s is %.3f, below the floor %.3f", res.Workload, base.Workload, r, f.minRatio))
		}
	}
	return errors.Join(errs...)
}

func writeHTMLReport(name string, res *driver.Result) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	err = report.HTML(f, res)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// loadHTTPClient returns a client that keeps enough idle connections for conns callers: the
// default transport keeps two per host, and the rest would each open a connection per request.
func loadHTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0
	t.MaxIdleConnsPerHost = max(conns, 1) + 8
	return &http.Client{Transport: t}
}

// giveUpAfter is how many failed requests, with none succeeded, stop a run: enough that a
// server's first hiccup does not, few enough that a dead one is not flooded.
const giveUpAfter = 200

// newBar returns a progress bar on w of max steps (-1: unknown), or an invisible one.
func newBar(w io.Writer, visible bool, max int64, description string, opts ...progressbar.Option) *progressbar.ProgressBar {
	opts = append(slices.Clip(opts),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(visible),
		progressbar.OptionSetDescription(description),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetElapsedTime(true),
	)
	return progressbar.NewOptions64(max, opts...)
}

// finishBar completes a progress bar and ends its line.
func finishBar(w io.Writer, bar *progressbar.ProgressBar, visible bool) {
	if visible {
		bar.Finish()
		fmt.Fprintln(w)
	}
}
