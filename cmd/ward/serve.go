package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	oauth2api "github.com/wardhq/ward/api/oauth2"
	"github.com/wardhq/ward/api/rpc"
	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/migrations"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
	"github.com/wardhq/ward/store/mirror"
	storesql "github.com/wardhq/ward/store/sql"
)

func newServeCommand(environ func() []string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the ward server on its embedded store",
		Long: `Run the ward server: the public listener serves checks, the admin listener serves writes,
the schema, /metrics and /health/{alive,ready}. Configuration comes from --config (YAML),
WARD_* environment variables and flags, later ones winning.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadServeConfig(cmd.Flags(), environ)
			if err != nil {
				return err
			}
			return serve(cmd.Context(), cfg, newLogger(cfg), nil)
		},
	}
	addServeFlags(cmd.Flags())
	return cmd
}

// serve runs the server until ctx ends, then shuts down gracefully: the listeners stop accepting,
// in-flight requests finish (up to cfg.ShutdownTimeout), and the store closes. If ready is not
// nil, it receives the listeners' addresses once both accept connections.
func serve(ctx context.Context, cfg serveConfig, log *slog.Logger, ready chan<- [2]string) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	tracer, stopTracing, err := newTracer(ctx, cfg.OTLPTraces)
	if err != nil {
		return err
	}
	defer stopTracing()

	// The mirror reloads when the database's history no longer reaches it — a failover discarded
	// commits it had applied — and the engine must then forget what it cached by revision.
	var engineRef atomic.Pointer[engine.Engine]
	forget := func() {
		if e := engineRef.Load(); e != nil {
			log.Warn("the database's history changed under this node: dropping the caches kept by revision")
			e.ForgetCaches()
		}
	}
	stores, err := openStores(ctx, cfg, log, reg, tracer, forget)
	if err != nil {
		return err
	}
	st := stores.tuples
	defer st.Close()
	parallelism := cfg.CheckParallelism
	if parallelism < 0 {
		// Branches that read memory take a microsecond: a goroutine costs more than it saves
		// (BenchmarkCheckCold: 3–4× slower in parallel). Reads over the network gain from it.
		parallelism = 0
		if cfg.DSN != "" && !cfg.Mirror {
			parallelism = 4 * runtime.GOMAXPROCS(0)
		}
	}
	eng, err := engine.New(st, append([]engine.Option{
		engine.WithMaxDepth(cfg.MaxDepth),
		engine.WithMaxStaleness(cfg.MaxStaleness),
		engine.WithCacheSize(cfg.CacheSize),
		engine.WithConcurrency(cfg.CheckConcurrency),
		engine.WithParallelism(parallelism),
		engine.WithRegisterer(reg),
		engine.WithTracer(tracer),
	}, boundedWorkOptions(cfg, stores.shared, log)...)...)
	if err != nil {
		return err
	}
	engineRef.Store(eng)
	obs, err := middleware.NewObservers(reg, log, "public", "admin")
	if err != nil {
		return err
	}
	if tracer != nil {
		for name, o := range obs {
			obs[name] = o.WithTracer(tracer)
		}
	}
	services := api.Services{
		Permissions:   rpc.NewPermissionService(eng, log),
		Relationships: rpc.NewRelationshipService(eng, log),
		Schemas:       rpc.NewSchemaService(eng, log),
	}
	var listeners []net.Listener
	// The listeners are bound first, for the addresses they get (a port of 0 is chosen now) that
	// the OAuth2 and identity configuration default to; "listening" is logged only once every
	// part of the configuration has been checked, so that a fatal problem comes before it.
	for _, addr := range []string{cfg.PublicAddr, cfg.AdminAddr} {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return fmt.Errorf("listening on %s: %w", addr, err)
		}
		listeners = append(listeners, l)
	}
	// The default issuer is the public listener's address as bound (a port of 0 is chosen now).
	provider, err := newProvider(cfg, stores, "http://"+listeners[0].Addr().String(), log)
	if err != nil {
		for _, l := range listeners {
			l.Close()
		}
		return err
	}
	if provider != nil {
		// A key ward cannot open would fail every token request later; better not to start.
		if err := provider.CheckSigningKeys(ctx); err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return fmt.Errorf("the OAuth2 server cannot use its stored signing keys: %w", err)
		}
		if err := reg.Register(oauth2api.NewCollector(provider)); err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return fmt.Errorf("registering the OAuth2 metrics: %w", err)
		}
		proxies, _ := middleware.ParseTrustedProxies(cfg.TrustedProxies) // validated
		services.OAuth2 = oauth2api.NewHandler(provider, log, oauth2api.WithTrustedProxies(proxies))
		services.OAuth2Admin = rpc.NewOAuth2AdminService(provider, log)
		services.PublicIntrospection = rpc.NewIntrospectionService(provider, log, true)
		services.AdminIntrospection = rpc.NewIntrospectionService(provider, log, false)
	}
	auth, err := newAPIAuth(cfg, listeners[0], listeners[1], provider, log)
	if err != nil {
		for _, l := range listeners {
			l.Close()
		}
		return err
	}
	services.PublicAuth, services.AdminAuth = auth.public, auth.admin
	ids, err := newIdentity(ctx, cfg, stores.identity, stores.courier, "http://"+listeners[0].Addr().String(), provider, log)
	if err != nil {
		for _, l := range listeners {
			l.Close()
		}
		return err
	}
	if ids != nil {
		services.Identity = ids.handler
		services.SignIn = ids.signin
	}
	limits := []api.ListenerOption{
		api.WithMaxRequestBytes(cfg.MaxRequestBytes),
		api.WithReadTimeout(cfg.ReadTimeout),
		api.WithRequestTimeout(cfg.RequestTimeout),
	}
	adminOpts := append(slices.Clone(limits), api.WithPprof(cfg.Pprof), api.WithAdminHosts(cfg.AdminHosts...))
	adminHandler := api.NewAdminHandler(services, obs["admin"], reg, st.Ping, log, adminOpts...)
	if auth.adminKeys != nil {
		adminHandler = middleware.NewAdminGate(adminHandler, auth.adminKeys)
	}
	servers := []*http.Server{
		newHTTPServer(api.NewPublicHandler(services, obs["public"], limits...), log),
		newHTTPServer(adminHandler, log),
	}
	for i, l := range listeners {
		log.Info("listening", "listener", []string{"public", "admin"}[i], "addr", l.Addr().String())
	}
	if ready != nil {
		ready <- [2]string{listeners[0].Addr().String(), listeners[1].Addr().String()}
	}

	g, gctx := errgroup.WithContext(ctx)
	// Schema writes made through other nodes raise the floor of this node's minimize_latency
	// snapshots (a type just added is then known to every node's checks).
	g.Go(func() error {
		eng.FollowSchemas(gctx, time.Second)
		return nil
	})
	if provider != nil {
		// Keeps the introspection cache in step with revocations taken on other nodes.
		g.Go(func() error {
			if err := provider.Run(gctx); err != nil && gctx.Err() == nil {
				return fmt.Errorf("oauth2: %w", err)
			}
			return nil
		})
	}
	if ids != nil && ids.courier != nil {
		// Delivers the courier's messages; every node runs one, and they share the queue.
		g.Go(func() error { return ids.courier.Run(gctx) })
	}
	if ids != nil {
		// Keeps the whoami cache in step with sessions revoked and identities changed on other nodes.
		g.Go(func() error {
			if err := ids.service.Run(gctx); err != nil && gctx.Err() == nil {
				return fmt.Errorf("identity: %w", err)
			}
			return nil
		})
	}
	for i, srv := range servers {
		g.Go(func() error {
			if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		log.Info("shutting down; waiting for in-flight requests", "timeout", cfg.ShutdownTimeout)
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		var errs []error
		for _, srv := range servers {
			if err := srv.Shutdown(sctx); err != nil {
				errs = append(errs, fmt.Errorf("shutdown of %s: %w", srv.Addr, err))
			}
		}
		return errors.Join(errs...)
	})
	err = g.Wait()
	log.Info("stopped")
	return err
}

func dialectName(st *storesql.Store) string {
	if st.Cockroach() {
		return "CockroachDB"
	}
	return "PostgreSQL"
}

// stores are what ward keeps: tuples and schemas, and the OAuth2 server's state.
type stores struct {
	tuples   store.Store
	oauth2   store.OAuth2Store
	identity store.IdentityStore
	courier  store.CourierStore
	// shared is set when the stores are a database that other nodes share.
	shared bool
}

// openStores returns the stores cfg names: PostgreSQL or CockroachDB when a DSN is set, after
// checking that its schema is current, and the embedded stores otherwise.
func openStores(ctx context.Context, cfg serveConfig, log *slog.Logger, reg prometheus.Registerer, tracer trace.Tracer, onReload func()) (stores, error) {
	if cfg.DSN == "" {
		log.Info("using the embedded store: data lives in this process only")
		return stores{tuples: memory.New(memory.WithRetention(cfg.Retention)), oauth2: memory.NewOAuth2Store(), identity: memory.NewIdentityStore(), courier: memory.NewCourierStore()}, nil
	}
	if err := checkSchema(ctx, cfg.DSN); err != nil {
		return stores{}, err
	}
	st, err := storesql.Open(ctx, cfg.DSN,
		storesql.WithReplicas(cfg.ReplicaDSNs...),
		storesql.WithQuorum(cfg.QuorumDSNs...),
		storesql.WithRetention(cfg.Retention),
		storesql.WithLogger(log),
		storesql.WithRegisterer(reg),
		storesql.WithTracer(tracer))
	if err != nil {
		return stores{}, fmt.Errorf("opening the database: %w", err)
	}
	log.Info("using "+dialectName(st), "replicas", len(cfg.ReplicaDSNs), "quorum_nodes", len(cfg.QuorumDSNs), "mirror", cfg.Mirror)
	if !cfg.Mirror {
		return stores{tuples: st, oauth2: st.OAuth2(), identity: st.Identity(), courier: st.Courier(), shared: true}, nil
	}
	m, err := mirror.Open(ctx, st, mirror.WithRetention(cfg.Retention), mirror.WithLogger(log), mirror.WithOnReload(onReload))
	if err != nil {
		st.Close()
		return stores{}, fmt.Errorf("loading the in-memory copy of the database: %w", err)
	}
	return stores{tuples: m, oauth2: st.OAuth2(), identity: st.Identity(), courier: st.Courier(), shared: true}, nil
}

// checkSchema fails unless the database at dsn has the schema this ward needs.
func checkSchema(ctx context.Context, dsn string) error {
	db, err := migrations.Open(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	dialect, err := migrations.Detect(ctx, db)
	if err != nil {
		return err
	}
	return migrations.Check(ctx, db, dialect)
}

// newTracer returns a tracer that exports to an OTLP/HTTP endpoint, and a function that flushes
// and stops it; with no endpoint, a nil tracer: nothing is traced.
func newTracer(ctx context.Context, endpoint string) (trace.Tracer, func(), error) {
	if endpoint == "" {
		return nil, func() {}, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, nil, fmt.Errorf("otlp_traces_endpoint: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "ward"), attribute.String("service.version", readBuildInfo().Version))))
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tp.Shutdown(sctx) // best effort: the collector may be gone
	}
	return tp.Tracer("github.com/wardhq/ward"), stop, nil
}

// newHTTPServer returns the server of one listener. Its timeouts and HTTP/2 limits bound what a
// connection may hold; the body's read deadline, per request so that Watch streams are not cut,
// is the handler's (middleware.BodyReadDeadline).
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    http.DefaultMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		HTTP2: &http.HTTP2Config{
			// Streams of one connection served at once; gRPC clients open more connections
			// beyond it. Each stream holds at most a message (max_request_bytes) in memory.
			MaxConcurrentStreams: 100,
			// What a connection and a stream may have sent and not yet had read: small
			// messages need no more, and a client that sends faster waits for window updates.
			MaxReceiveBufferPerConnection: 1 << 20,
			MaxReceiveBufferPerStream:     256 << 10,
			MaxReadFrameSize:              64 << 10,
			MaxDecoderHeaderTableSize:     4 << 10,
			MaxEncoderHeaderTableSize:     4 << 10,
			// A peer that reads nothing of what is sent to it (a Watch stream's reader gone
			// quiet) is dropped, and so is one that stops answering pings.
			WriteByteTimeout: 30 * time.Second,
			SendPingTimeout:  time.Minute,
			PingTimeout:      15 * time.Second,
		},
	}
	// gRPC needs HTTP/2; without TLS that is h2c, which net/http serves natively.
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	return srv
}

// newProvider returns the OAuth2 server cfg describes, or nil when it must stay off: over a
// database every node must verify the tokens the others mint, so the HMAC secrets are the
// operator's to give; the embedded store lives in one process and gets random ones.
func newProvider(cfg serveConfig, st stores, defaultIssuer string, log *slog.Logger) (*oauth2.Provider, error) {
	secrets := make([][]byte, len(cfg.TokenSecrets))
	for i, s := range cfg.TokenSecrets {
		secrets[i] = []byte(s)
	}
	if len(secrets) == 0 {
		if st.shared {
			log.Warn("the OAuth2 server is off: over a database every node needs the same token_secrets; set them to turn it on")
			return nil, nil
		}
		secret := make([]byte, 32)
		rand.Read(secret)
		secrets = [][]byte{secret}
		log.Info("OAuth2 tokens are signed with a random secret: they do not outlive this process")
	}
	issuer := cfg.Issuer
	if issuer == "" {
		issuer = defaultIssuer
	}
	login, consent := defaultLoginApps(cfg, defaultIssuer)
	if login == "" {
		login = strings.TrimSuffix(issuer, "/") + api.PathNoLoginApp
	}
	if consent == "" {
		consent = strings.TrimSuffix(issuer, "/") + api.PathNoConsentApp
	}
	p, err := oauth2.NewProvider(st.oauth2, oauth2.Config{
		Issuer:              issuer,
		LoginURL:            login,
		ConsentURL:          consent,
		LogoutURL:           cfg.LogoutURL,
		TokenSecrets:        secrets,
		JWTAccessTokens:     cfg.JWTAccessTokens,
		RequirePKCE:         cfg.PKCERequiredForConfidentialClients,
		AccessTokenLifetime: cfg.AccessTokenLifetime,
		RevocationBound:     cfg.RevocationBound,
		ClientAuthRate:      cfg.ClientAuthRate,
		ClientAuthBurst:     cfg.ClientAuthBurst,
		IntrospectionScope:  cfg.IntrospectionScope,
		Logger:              log,
	})
	if err != nil {
		return nil, fmt.Errorf("the OAuth2 server's configuration: %w", err)
	}
	log.Info("OAuth2 server on", "issuer", issuer)
	return p, nil
}
