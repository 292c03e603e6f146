package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/sqlite"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "import":
			return runBenchImport(ctx, args[1:], stdout, stderr)
		case "load":
			return runBenchLoad(ctx, args[1:], stdout, stderr)
		case "queries":
			return runBenchQueries(ctx, args[1:], stdout, stderr)
		case "volunteers":
			return runBenchVolunteers(ctx, args[1:], stdout, stderr)
		}
	}
	return errors.New("usage: epiloop bench import|load|queries|volunteers …")
}

// benchImportResult is the last line of `epiloop bench import`.
type benchImportResult struct {
	Engine          string  `json:"engine"`
	Rows            int     `json:"rows"`
	Existing        int     `json:"existing"`
	Format          string  `json:"format"`
	GenerateSeconds float64 `json:"generate_seconds"`
	ImportSeconds   float64 `json:"import_seconds"`
	RowsPerSecond   float64 `json:"rows_per_second"`
	PeakRSSMiB      float64 `json:"peak_rss_mib"`
	BaselineSeconds float64 `json:"baseline_seconds,omitempty"`
	BaselineRPS     float64 `json:"baseline_rows_per_second,omitempty"`
	BaselineRatio   float64 `json:"baseline_ratio,omitempty"`
	// Writer is what SQLite's single writer did during the timed import:
	// its busy share, time running the batches and committing them.
	Writer *writerLoad `json:"writer,omitempty"`
	importResult
}

// runBenchImport generates a manifest, imports it into a fresh database and
// compares the rate with the engine's raw bulk-write baseline.
func runBenchImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("bench import", stderr)
	rows := fs.Int("rows", 1_000_000, "manifest rows")
	existing := fs.Int("existing", 0, "persons already in the database before the timed import (a first import of this size)")
	format := fs.String("format", "csv", "csv or xlsx")
	noise := fs.Float64("noise", 0.05, "share of noisy rows")
	seed := fs.Uint64("seed", 1, "manifest seed")
	batch := fs.Int("batch", 20000, "rows per transaction")
	baseline := fs.Bool("baseline", true, "also measure the raw bulk-write baseline")
	keep := fs.String("dir", "", "work directory (default: a temporary one, removed after)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := *keep
	if dir == "" {
		d, err := os.MkdirTemp("", "epiloop-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if db.dsn == "" {
		*db = dbFlags{dsn: "sqlite:" + filepath.Join(dir, "bench.db"), createKey: true}
	}
	file := filepath.Join(dir, "manifest."+*format)
	start := time.Now()
	if err := generateTo(file, intake.GenOptions{Rows: *rows, Seed: *seed, Format: intake.Format(*format), Noise: *noise}); err != nil {
		return err
	}
	res := benchImportResult{Rows: *rows, Existing: *existing, Format: *format, GenerateSeconds: time.Since(start).Seconds()}
	fmt.Fprintf(stderr, "generated %d rows in %.1fs\n", *rows, res.GenerateSeconds)

	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	res.Engine = m.Store.Engine()
	if *existing > 0 {
		pre := filepath.Join(dir, "existing.csv")
		if err := generateTo(pre, intake.GenOptions{Rows: *existing, Seed: *seed + 1000, Format: intake.FormatCSV}); err != nil {
			return err
		}
		t := time.Now()
		if _, err := importFile(cliContext(ctx), m.Service, pre, intake.Options{Source: "rail", File: "existing.csv"}, *batch, nil); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "loaded %d existing rows in %.1fs\n", *existing, time.Since(t).Seconds())
	}
	runtime.GC()
	ws, _ := m.Store.(writerStatser)
	var wsBefore sqlite.WriterStats
	if ws != nil {
		wsBefore = ws.WriterStats()
	}
	start = time.Now()
	rep, err := importFile(cliContext(ctx), m.Service, file, intake.Options{Source: "rail", File: filepath.Base(file)}, *batch, newProgress(stderr))
	if err != nil {
		return err
	}
	res.ImportSeconds = time.Since(start).Seconds()
	if ws != nil {
		res.Writer = writerDelta(wsBefore, ws.WriterStats(), time.Since(start))
	}
	c := rep.im.Counts
	res.importResult = importResult{Rows: c.Rows, Accepted: c.Accepted, Rejected: c.Rejected, Merged: c.Merged,
		LeadsCreated: c.LeadsCreated, TasksCreated: c.TasksCreated, Unroutable: c.Unroutable, Seconds: res.ImportSeconds}
	res.RowsPerSecond = float64(c.Rows) / res.ImportSeconds
	res.PeakRSSMiB = peakRSSMiB()
	fmt.Fprintf(stderr, "imported %d rows in %.1fs: %.0f rows/s, peak RSS %.0f MiB\n", c.Rows, res.ImportSeconds, res.RowsPerSecond, res.PeakRSSMiB)
	if w := res.Writer; w != nil {
		fmt.Fprintf(stderr, "writer: %d batches, busy %.0f%%, %.0f ms running and %.0f ms committing each\n",
			w.Groups, 100*w.Busy, w.RunMicros*w.PerGroup/1000, w.CommitMicros/1000)
	}

	if *baseline {
		bdb := dbFlags{dsn: "sqlite:" + filepath.Join(dir, "baseline.db"), createKey: true}
		if strings.HasPrefix(db.dsn, "postgres") {
			bdb = *db // the caller's database: a fresh one is expected
		}
		bm, err := NewMain(ctx, bdb, newLogger(io.Discard))
		if err != nil {
			return err
		}
		defer bm.Close()
		d, err := loop.BulkBaseline(ctx, bm.Store, c.LeadsCreated, *batch)
		if err != nil {
			return err
		}
		res.BaselineSeconds = d.Seconds()
		res.BaselineRPS = float64(c.Rows) / d.Seconds()
		res.BaselineRatio = res.RowsPerSecond / res.BaselineRPS
		fmt.Fprintf(stderr, "baseline: the same %d leads' rows written raw in %.1fs (%.0f input rows/s); import at %.0f%% of it\n",
			c.LeadsCreated, res.BaselineSeconds, res.BaselineRPS, 100*res.BaselineRatio)
	}
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}

func generateTo(path string, opts intake.GenOptions) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := intake.Generate(w, opts); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// peakRSSMiB reads the process's peak resident set from /proc (Linux).
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
