// Package pgtest gives tests a real, empty PostgreSQL schema of their own.
//
// The server comes from EPILOOP_TEST_POSTGRES (a URL such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable). When the
// variable is unset the default local URL is tried, and tests skip with a
// message if no server answers; when it is set (CI sets it) an absent
// server fails them.
//
// A test package that calls Main from its TestMain runs in a throwaway
// database (epiloop_test_<random>, dropped at the end); without it, the
// schemas are made in the database the URL names. Each test gets a fresh
// schema, dropped when the test ends, so tests are isolated and may run in
// parallel.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Env is the environment variable naming the test server.
const Env = "EPILOOP_TEST_POSTGRES"

// DefaultURL is tried when Env is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	mu sync.Mutex
	// base is the URL schemas are made in (the package database once Main
	// made one); unavailable says why there is no server.
	base        string
	server      string // the URL as configured, for dropping the package database
	required    bool
	probed      bool
	unavailable error
	admin       *pgxpool.Pool
)

// Main runs a test package's tests in a database of their own, created
// before and dropped after. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	probe()
	var dbName string
	if unavailable == nil {
		var err error
		if dbName, err = createDatabase(); err != nil {
			unavailable = err
		}
	}
	code := m.Run()
	mu.Lock()
	if admin != nil {
		admin.Close()
		admin = nil
	}
	mu.Unlock()
	if dbName != "" {
		if err := dropDatabase(dbName); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: drop database %s: %v\n", dbName, err)
		}
	}
	return code
}

// URL returns the URL of a fresh, empty schema for t (search_path set to
// it), dropped when t ends. It skips t when no server answers and Env is
// unset, and fails it when Env is set.
func URL(t testing.TB) string {
	t.Helper()
	probe()
	if unavailable != nil {
		if required {
			t.Fatalf("PostgreSQL required by %s but unavailable: %v", Env, unavailable)
		}
		t.Skipf("PostgreSQL not available (%v); set %s to require it", unavailable, Env)
	}
	pool, err := adminPool()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	schema := "t_" + random()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pool.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("pgtest: drop schema: %v", err)
		}
	})
	return withParam(base, "search_path", schema)
}

// Open opens a migrated store on a fresh schema for t, closed when t ends.
func Open(t testing.TB, c epiloop.Cipher) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), URL(t), c)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// probe finds the server once.
func probe() {
	mu.Lock()
	defer mu.Unlock()
	if probed {
		return
	}
	probed = true
	base = os.Getenv(Env)
	required = base != ""
	if base == "" {
		base = DefaultURL
	}
	server = base
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		unavailable = fmt.Errorf("%s must be a postgres:// URL", Env)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		unavailable = err
		return
	}
	defer conn.Close(ctx)
	unavailable = conn.Ping(ctx)
}

func adminPool() (*pgxpool.Pool, error) {
	mu.Lock()
	defer mu.Unlock()
	if admin != nil {
		return admin, nil
	}
	cfg, err := pgxpool.ParseConfig(base)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 4
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if admin, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, err
	}
	return admin, nil
}

// createDatabase makes the package's database and points base at it.
func createDatabase() (string, error) {
	name := "epiloop_test_" + random()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	u, _ := url.Parse(base)
	u.Path = "/" + name
	base = u.String()
	return name, nil
}

func dropDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	return err
}

// withParam sets a query parameter of a URL.
func withParam(rawURL, key, value string) string {
	u, _ := url.Parse(rawURL)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// random returns a short random lower-case name part.
func random() string {
	b := make([]byte, 6)
	rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
