package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/loop"
)

// importResult is the last line of `epiloop import`: one JSON object.
type importResult struct {
	Rows         int     `json:"rows"`
	Accepted     int     `json:"accepted"`
	Rejected     int     `json:"rejected"`
	Merged       int     `json:"merged"`
	LeadsCreated int     `json:"leads_created"`
	TasksCreated int     `json:"tasks_created"`
	Unroutable   int     `json:"unroutable"`
	Warnings     int     `json:"warnings"`
	Seconds      float64 `json:"seconds"`
	Rejects      string  `json:"rejects"`
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("import", stderr)
	source := fs.String("source", "", "rail|road|health|hotline|checkpoint|city|other")
	ref := fs.String("ref", "", "reference of the file (manifest number, letter)")
	sheet := fs.String("sheet", "", "worksheet of an XLSX file (default: the first)")
	rejects := fs.String("rejects", "", "rejects report path (default: FILE.rejects.csv or .xlsx beside the file)")
	lang := fs.String("lang", "zh", "language of the rejects report: zh or en")
	batch := fs.Int("batch", 20000, "rows per transaction")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: epiloop import --db … --source KIND [--ref TEXT] FILE")
	}
	path := fs.Arg(0)
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	start := time.Now()
	rep, err := importFile(cliContext(ctx), m.Service, path, intake.Options{
		Sheet: *sheet, Source: epiloop.SourceKind(*source), Ref: *ref, File: filepath.Base(path),
	}, *batch, newProgress(stderr))
	if err != nil {
		return err
	}
	res := importResult{Rows: rep.im.Counts.Rows, Accepted: rep.im.Counts.Accepted, Rejected: rep.im.Counts.Rejected,
		Warnings: rep.im.Counts.Warnings}
	if !rep.again {
		c := rep.im.Counts
		res.Merged, res.LeadsCreated, res.TasksCreated, res.Unroutable = c.Merged, c.LeadsCreated, c.TasksCreated, c.Unroutable
	}
	if res.Rejected > 0 || res.Warnings > 0 {
		if res.Rejects, err = writeRejects(cliContext(ctx), m.Service, rep, path, *rejects, *lang); err != nil {
			return err
		}
	}
	res.Seconds = time.Since(start).Seconds()
	if rep.again {
		fmt.Fprintln(stderr, "this file's content was imported before: nothing created")
	}
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}

type importReport struct {
	im    *epiloop.Import
	info  intake.Info
	again bool
}

// importMemoryLimit is the Go heap's soft limit during an import (unless
// GOMEMLIMIT says otherwise): the heap of a streaming import is a few
// batches, and a limit keeps the garbage collector from letting it double,
// so a large file imports inside 300 MB with SQLite's cache. Measured
// (#22, 200,000 rows): at 120 MiB a batch in the making filled the limit
// and the collector ran without pause — 52 % of the CPU, 44 s; at 180 MiB
// 18–19 s with a peak RSS of 283 MiB; at 1 GiB 15.8 s but 347 MiB.
const importMemoryLimit = 180 << 20

// importFile reads a file and runs the import workflow over it.
func importFile(ctx context.Context, svc *loop.Service, path string, opts intake.Options, batch int, prog *progress) (importReport, error) {
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(importMemoryLimit))
	}
	regions, err := svc.RegionIndex()
	if err != nil {
		return importReport{}, err
	}
	opts.Regions = regions
	r, err := intake.OpenFile(path, opts)
	if err != nil {
		return importReport{}, err
	}
	defer r.Close()
	info := r.Info()
	if prog != nil {
		prog.start(info, r)
		defer prog.done()
	}
	im, again, err := svc.Import(ctx, intake.Rows{R: r}, loop.ImportOptions{
		Name: opts.File, Fingerprint: info.SHA256, Source: opts.Source, Ref: opts.Ref,
		Format: string(info.Format), Encoding: string(info.Encoding), Headers: info.Headers(), BatchSize: batch,
		Progress: func(im *epiloop.Import) {
			if prog != nil {
				prog.update(im)
			}
		},
	})
	return importReport{im: im, info: info, again: again}, err
}

// writeRejects writes the import's rejected rows, and its warnings, as a
// report in the input's format and returns its path.
func writeRejects(ctx context.Context, svc *loop.Service, rep importReport, input, out, lang string) (string, error) {
	if out == "" {
		ext := ".csv"
		if rep.info.Format == intake.FormatXLSX {
			ext = ".xlsx"
		}
		out = strings.TrimSuffix(input, filepath.Ext(input)) + ".rejects" + ext
	}
	format := intake.FormatCSV
	if strings.EqualFold(filepath.Ext(out), ".xlsx") {
		format = intake.FormatXLSX
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := writeRejectsTo(ctx, svc, f, format, rep.im.ID, rep.info.Headers(), lang); err != nil {
		return "", err
	}
	return out, f.Close()
}

func writeRejectsTo(ctx context.Context, svc *loop.Service, w io.Writer, format intake.Format, importID int64, headers []string, lang string) error {
	rw, err := intake.NewRejectWriter(w, format, headers, lang)
	if err != nil {
		return err
	}
	err = svc.EachImportReject(ctx, importID, func(r epiloop.ImportReject) error {
		return rw.Write(intake.RejectRow(r))
	})
	if err == nil {
		err = svc.EachImportWarning(ctx, importID, rw.WriteWarning)
	}
	if err != nil {
		return err
	}
	return rw.Close()
}

// progress reports an import on stderr: a bar redrawn in place on a
// terminal, a plain line every few seconds otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	r     *intake.Reader
	last  time.Time
	begun time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) start(info intake.Info, r *intake.Reader) {
	p.r, p.begun = r, time.Now()
	enc := string(info.Encoding)
	if info.Sheet != "" {
		enc = "sheet " + info.Sheet
	}
	fmt.Fprintf(p.w, "reading %s (%s), %d columns\n", info.Format, enc, len(info.Columns))
}

func (p *progress) update(im *epiloop.Import) {
	now := time.Now()
	if !p.tty && now.Sub(p.last) < 2*time.Second {
		return
	}
	p.last = now
	rp := p.r.Progress()
	c := im.Counts
	rate := float64(c.Rows) / now.Sub(p.begun).Seconds()
	if p.tty && rp.Size > 0 {
		frac := float64(rp.Bytes) / float64(rp.Size)
		bar := strings.Repeat("█", int(frac*30)) + strings.Repeat("░", 30-int(frac*30))
		fmt.Fprintf(p.w, "\r%s %3.0f%%  %d rows  %d rejected  %d warnings  %.0f rows/s ", bar, frac*100, c.Rows, c.Rejected, c.Warnings, rate)
		return
	}
	fmt.Fprintf(p.w, "%d rows, %d rejected, %d warnings, %d leads, %.0f rows/s\n", c.Rows, c.Rejected, c.Warnings, c.LeadsCreated, rate)
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
