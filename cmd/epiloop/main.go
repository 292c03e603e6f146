// Command epiloop runs the outbreak-response command platform: the server,
// the demo, and the administrative subcommands.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	ehttp "github.com/epiloop/epiloop/http"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/notify"
	"github.com/epiloop/epiloop/postgres"
	"github.com/epiloop/epiloop/sqlite"
	eventstream "github.com/epiloop/epiloop/stream"
)

var usage = strings.ReplaceAll(usageText, "SOURCES", epiloop.SourceKindList("|"))

const usageText = `epiloop — outbreak-response command platform

Usage:
  epiloop demo [--addr 127.0.0.1:8080] [--data DIR]
  epiloop serve --db sqlite:PATH|postgres://… [--key-file PATH] [--addr 127.0.0.1:8080] [--tls-cert F --tls-key F] [--trusted-proxy 127.0.0.1] [--nats nats://127.0.0.1:4222]
  epiloop migrate --db sqlite:PATH|postgres://… [--key-file PATH]
  epiloop key init --key-file PATH
  epiloop key rotate --db … [--key-file PATH]
  epiloop backup --db sqlite:PATH --out FILE
  epiloop user add --db … --name N --role ROLE [--unit CODE] [--password-stdin]
  epiloop token create --db … --user N [--ttl 8760h]
  epiloop escalate --db …
  epiloop risk-area add --db … --code 4201 --level high --from 2020-01-01 --to 2020-03-31
  epiloop risk-area list --db … [--history]
  epiloop stats verify --db …
  epiloop notices list --db … [--status pending|delivered|dead] [--limit N] [--log]
  epiloop import --db … --source SOURCES [--ref TEXT] [--sheet S] FILE
  epiloop gen manifest --rows N --seed S [--format csv|xlsx] [--encoding utf8|gbk] [--noise F] --out FILE
  epiloop gazetteer load --db … FILE.csv
  epiloop bench import|load …
  epiloop audit verify --db …
  epiloop retention run --db … [--days 30] [--dry-run]
  epiloop token revoke --db … --user N
  epiloop stream status --db … [--nats-city C] [--nats-stream S]
  epiloop peer key init|show --key-file PATH [--city CODE]
  epiloop peer add --db … --city 210200 --url https://… --key BASE64
  epiloop peer list|remove --db … [--city CODE]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// EPILOOP_CPUPROFILE=FILE profiles any subcommand (for the benchmarks).
	if path := os.Getenv("EPILOOP_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "epiloop:", describe(err))
		}
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// describe renders an error for a person at a terminal, in the language
// of the terminal's locale: the safe message for application errors, the
// full chain for internal ones.
func describe(err error) string {
	if c := epiloop.ErrorCode(err); c != epiloop.EINTERNAL {
		msg := epiloop.ErrorText(err, terminalLang())
		if f := epiloop.ErrorField(err); f != "" {
			return f + ": " + msg
		}
		return msg
	}
	return err.Error()
}

// terminalLang is the catalogue language of the locale (LC_ALL, LC_MESSAGES,
// LANG): Chinese for zh_*, English otherwise.
func terminalLang() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := os.Getenv(v); l != "" {
			if strings.HasPrefix(l, "zh") {
				return epiloop.LangZH
			}
			return epiloop.LangEN
		}
	}
	return epiloop.LangEN
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "user":
		return runUser(ctx, rest, stdin, stdout, stderr)
	case "token":
		return runToken(ctx, rest, stdout, stderr)
	case "escalate":
		return runEscalate(ctx, rest, stdout, stderr)
	case "risk-area":
		return runRiskArea(ctx, rest, stdout, stderr)
	case "stats":
		return runStats(ctx, rest, stdout, stderr)
	case "notices":
		return runNotices(ctx, rest, stdout, stderr)
	case "key":
		return runKey(ctx, rest, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "gen":
		return runGen(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "gazetteer":
		return runGazetteer(ctx, rest, stdout, stderr)
	case "retention":
		return runRetention(ctx, rest, stdout, stderr)
	case "stream":
		return runStream(ctx, rest, stdout, stderr)
	case "peer":
		return runPeer(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// Main is one running epiloop: its store, workflows, broker and server.
type Main struct {
	Store   epiloop.Store
	Service *loop.Service
	Broker  *loop.Broker
	Server  *ehttp.Server
	Logger  *slog.Logger
	// EscalateEvery is how often overdue tasks are escalated.
	EscalateEvery time.Duration
	// Retention is how long personal data of ended leads is kept; the
	// purge runs daily (and at start).
	Retention time.Duration
	// Notifier, when set, delivers notices to the person on duty every
	// NotifyEvery.
	Notifier    *notify.Worker
	NotifyEvery time.Duration
	// Publisher, when set, publishes the events to NATS JetStream.
	Publisher *eventstream.Publisher

	cancel context.CancelFunc
	done   chan struct{}
}

// dbFlags are the flags of every subcommand that opens the database.
type dbFlags struct {
	dsn     string
	keyFile string
	// createKey lets the subcommand create a missing key file (demo and
	// migrate; others only for a database that does not exist yet).
	createKey bool
}

// dbFlagSet returns a subcommand's flag set with the database flags
// registered on it.
func dbFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *dbFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := &dbFlags{}
	db.register(fs)
	return fs, db
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dsn, "db", "", "database: sqlite:PATH or postgres://USER@HOST:PORT/DB?…")
	fs.StringVar(&f.keyFile, "key-file", "", "key file protecting personal data (env EPILOOP_KEY_FILE; SQLite's default: the database path + .key; required for PostgreSQL)")
}

// openStore opens the database a --db flag names with its keyring,
// migrating it.
func openStore(ctx context.Context, f dbFlags) (epiloop.Store, *keyring.Keyring, error) {
	switch {
	case strings.HasPrefix(f.dsn, "sqlite:"):
		path := strings.TrimPrefix(f.dsn, "sqlite:")
		if path == "" {
			return nil, nil, errors.New("--db sqlite: needs a path")
		}
		_, statErr := os.Stat(path)
		kr, err := openKeyring(f, path+".key", f.createKey || errors.Is(statErr, fs.ErrNotExist))
		if err != nil {
			return nil, nil, err
		}
		db, err := sqlite.Open(ctx, path, kr)
		return db, kr, err
	case strings.HasPrefix(f.dsn, "postgres://"), strings.HasPrefix(f.dsn, "postgresql://"):
		// No default path and never created here: every replica must use
		// the one key file made by 'epiloop key init'.
		kr, err := openKeyring(f, "", false)
		if err != nil {
			return nil, nil, err
		}
		db, err := postgres.Open(ctx, f.dsn, kr)
		return db, kr, err
	case f.dsn == "":
		return nil, nil, errors.New("--db is required (sqlite:PATH or postgres://…)")
	}
	return nil, nil, fmt.Errorf("unsupported --db %q: use sqlite:PATH or postgres://…", redactDSN(f.dsn))
}

// openKeyring loads the key file (flag, environment, or the default path),
// creating it only when allowed: a new key for existing data would make the
// data unreadable.
func openKeyring(f dbFlags, defaultPath string, create bool) (*keyring.Keyring, error) {
	path := f.keyFile
	if path == "" {
		path = os.Getenv("EPILOOP_KEY_FILE")
	}
	if path == "" {
		path = defaultPath
	}
	if path == "" {
		return nil, errors.New("--key-file (or EPILOOP_KEY_FILE) is required")
	}
	if create {
		return keyring.LoadOrCreate(path)
	}
	kr, err := keyring.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("key file %s not found: personal data in this database cannot be read without it (for a new database create one with 'epiloop key init --key-file %s'; 'epiloop migrate' does it for SQLite)", path, path)
	}
	return kr, err
}

// AnchorPath is the audit anchor file of the key file at keyPath: beside
// it, outside the database.
func AnchorPath(keyPath string) string {
	if keyPath == "" {
		return ""
	}
	return keyPath + ".anchor"
}

// redactDSN hides a password in a connection string.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 {
		if j := strings.Index(dsn, "://"); j > 0 && j < i {
			return dsn[:j+3] + "…" + dsn[i:]
		}
	}
	return dsn
}

// NewMain opens the store and wires the service, broker and server.
func NewMain(ctx context.Context, db dbFlags, logger *slog.Logger) (*Main, error) {
	store, kr, err := openStore(ctx, db)
	if err != nil {
		return nil, err
	}
	m := &Main{Store: store, Logger: logger, EscalateEvery: 30 * time.Second, Retention: epiloop.DefaultRetention}
	m.Service = loop.NewService(store)
	m.Service.Logger = logger
	m.Service.AnchorPath = AnchorPath(kr.Path())
	regions, err := divisions.Regions()
	if err != nil {
		store.Close()
		return nil, err
	}
	m.Service.Divisions, m.Service.Regions = regions, regionCodes{regions}
	if m.Service.XCity, err = cityConfig(kr.Path(), "", false); err != nil {
		store.Close()
		return nil, err
	}
	m.Service.Risk = &loop.RiskAreas{Store: store, Logger: logger}
	// EPILOOP_DESK_CONFIRM_DAYS: how long a solved desk ticket waits for
	// the enterprise's confirmation (default epiloop.DefaultDeskConfirmDays).
	if v := os.Getenv("EPILOOP_DESK_CONFIRM_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 90 {
			store.Close()
			return nil, fmt.Errorf("EPILOOP_DESK_CONFIRM_DAYS=%q: want 1 to 90 days", v)
		}
		m.Service.DeskConfirmWindow = time.Duration(n) * 24 * time.Hour
	}
	if err := seedTree(ctx, m.Service); err != nil {
		store.Close()
		return nil, err
	}
	// Counters kept under older definitions of the figures are recomputed
	// from the rows once, before anything reads them.
	if rebuilt, err := m.Service.EnsureCounters(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("recompute the counters: %w", err)
	} else if rebuilt {
		logger.Info("counters recomputed under the current definitions", "version", epiloop.CounterVersion)
	}
	m.Broker = loop.NewBroker(store)
	m.Broker.Revoked = m.Service.ForgetCredentials
	m.Service.Notify = m.Broker.Wake
	m.Server = ehttp.NewServer(m.Service, m.Broker, logger)
	return m, nil
}

// regionCodes adapts the division index to the workflow's origin lookup.
type regionCodes struct{ idx *divisions.RegionIndex }

func (r regionCodes) LookupCode(s string) (string, bool) {
	reg, ok := r.idx.Lookup(s)
	return reg.Code, ok
}

// seedTree loads Shenyang's jurisdiction tree into a new database.
func seedTree(ctx context.Context, svc *loop.Service) error {
	tree, err := divisions.Shenyang()
	if err != nil {
		return err
	}
	_, err = svc.SeedJurisdictions(ctx, loop.Jurisdictions{
		Districts: tree.Districts, Streets: tree.Streets, Communities: tree.Communities, Units: tree.Units(),
	})
	return err
}

// serverGC is the garbage collector's target while serving (unless GOGC
// says otherwise): a server's live heap is small and its allocation rate
// high, so letting the heap grow to five times the live data before a
// collection spends less CPU collecting; serverMemoryLimit bounds it.
const (
	serverGC          = 400
	serverMemoryLimit = 1 << 30
)

// Run starts serving on addr and the background work.
func (m *Main) Run(ctx context.Context, addr string) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGC)
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(serverMemoryLimit)
		}
	}
	if err := m.Server.Listen(addr); err != nil {
		return err
	}
	if p := m.Publisher; p != nil {
		// A local commit wakes the publisher as it wakes the broker.
		notify := m.Service.Notify
		m.Service.Notify = func() { notify(); p.Wake() }
	}
	ctx, m.cancel = context.WithCancel(ctx)
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		// The publisher releases its lease through the store: Close
		// waits for it before closing the store.
		var wg sync.WaitGroup
		defer wg.Wait()
		if m.Publisher != nil {
			wg.Go(func() {
				if err := m.Publisher.Run(ctx); err != nil {
					m.Logger.Error("event stream stopped", "err", err)
				}
			})
		}
		go m.Broker.Run(ctx)
		go m.retentionLoop(ctx)
		go m.gazetteerLoop(ctx)
		go m.anchorLoop(ctx)
		go m.mergeSweepLoop(ctx)
		go m.xcityLoop(ctx)
		if m.Notifier != nil {
			go m.Notifier.Run(ctx, cmp.Or(m.NotifyEvery, 5*time.Second))
		}
		m.escalateLoop(ctx)
	}()
	go func() {
		if err := m.Server.Serve(); err != nil {
			m.Logger.Error("server stopped", "err", err)
		}
	}()
	return nil
}

func (m *Main) escalateLoop(ctx context.Context) {
	t := time.NewTicker(m.EscalateEvery)
	defer t.Stop()
	for {
		if n, err := m.Service.Escalate(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("escalation failed", "err", err)
		} else if n > 0 {
			m.Logger.Info("tasks escalated", "count", n)
		}
		if n, err := m.Service.EscalateObservations(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("observation escalation failed", "err", err)
		} else if n > 0 {
			m.Logger.Info("missed observation checks escalated", "count", n)
		}
		if n, err := m.Service.EscalateHandovers(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("hand-over escalation failed", "err", err)
		} else if n > 0 {
			m.Logger.Info("overdue hand-overs escalated", "count", n)
		}
		if n, err := m.Service.EscalateRectifications(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("rectification escalation failed", "err", err)
		} else if n > 0 {
			m.Logger.Info("overdue rectifications escalated", "count", n)
		}
		if n, err := m.Service.EscalateCohorts(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("cohort escalation failed", "err", err)
		} else if n > 0 {
			m.Logger.Info("detention cohorts overdue for relief escalated", "count", n)
		}
		if r, err := m.Service.EscalateDesk(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("service desk escalation failed", "err", err)
		} else if r.Breached+r.Unconfirmed > 0 {
			m.Logger.Info("service desk clocks breached, tickets closed unconfirmed", "breached", r.Breached, "unconfirmed", r.Unconfirmed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// mergeSweepLoop looks for persons that may be one (the merge
// candidates' queue) every hour, from start.
func (m *Main) mergeSweepLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := m.Service.SweepMergeCandidates(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("merge candidate sweep failed", "err", err)
		} else if n > 0 {
			m.Logger.Info("merge candidates found", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// XCityEvery is how often the outbox of messages to peer cities is sent.
const XCityEvery = 5 * time.Second

// xcityLoop sends the messages due to peer cities (each leased first, so
// several replicas send each once; the attempts are kept in the
// database, so a restart resumes them).
func (m *Main) xcityLoop(ctx context.Context) {
	t := time.NewTicker(XCityEvery)
	defer t.Stop()
	for {
		if n, err := m.Service.SendXCity(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("hand-over messages not sent", "err", err)
		} else if n > 0 {
			m.Logger.Info("hand-over messages delivered", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// anchorLoop anchors the audit trail's head outside the database every
// loop.AnchorEvery, from start.
func (m *Main) anchorLoop(ctx context.Context) {
	t := time.NewTicker(loop.AnchorEvery)
	defer t.Stop()
	for {
		if _, err := m.Service.AnchorAudit(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("audit anchor failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// gazetteerLoop reloads the gazetteer every few minutes, so names taught
// through another replica route here too.
func (m *Main) gazetteerLoop(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Service.LoadGazetteer(ctx); err != nil && ctx.Err() == nil {
				m.Logger.Error("gazetteer reload failed", "err", err)
			}
		}
	}
}

// retentionLoop purges personal data past its retention once a day.
func (m *Main) retentionLoop(ctx context.Context) {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		rep, err := m.Service.Purge(epiloop.NewContextWithUser(ctx, nil), m.Retention, false)
		if err != nil && ctx.Err() == nil {
			m.Logger.Error("retention run failed", "err", err)
		} else if rep.Leads > 0 {
			m.Logger.Info("personal data purged", "leads", rep.Leads, "persons", rep.Persons)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops the server and background work and closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.Server != nil {
		errs = append(errs, m.Server.Close())
	}
	if m.cancel != nil {
		m.cancel()
		<-m.done
	}
	// The trail's head at shutdown (and after every subcommand's writes).
	if m.Service != nil {
		if _, err := m.Service.AnchorAudit(context.Background()); err != nil {
			errs = append(errs, err)
		}
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
