package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/epiloop/epiloop/intake"
)

const genUsage = "usage: epiloop gen manifest --rows N --seed S [--format csv|xlsx] [--encoding utf8|utf8bom|gbk] [--noise F] --out FILE"

// runGen writes synthetic data files: today, passenger manifests for
// trying and benchmarking bulk intake.
func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "manifest" {
		return errors.New(genUsage)
	}
	fs := flag.NewFlagSet("gen manifest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rows := fs.Int("rows", 1000, "number of data rows")
	seed := fs.Uint64("seed", 1, "seed: the same seed and options give the same bytes")
	format := fs.String("format", "", "csv or xlsx (default: from the --out extension, else csv)")
	encoding := fs.String("encoding", "utf8", "CSV encoding: utf8, utf8bom or gbk")
	noise := fs.Float64("noise", 0, "share of rows with mistakes and variations, 0 to 1")
	out := fs.String("out", "", "output file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required\n" + genUsage)
	}
	opts := intake.GenOptions{Rows: *rows, Seed: *seed, Noise: *noise}
	switch f := strings.ToLower(*format); {
	case f == "" && strings.EqualFold(filepath.Ext(*out), ".xlsx"), f == "xlsx":
		opts.Format = intake.FormatXLSX
	case f == "" || f == "csv":
		opts.Format = intake.FormatCSV
	default:
		return fmt.Errorf("--format %q: want csv or xlsx", *format)
	}
	enc, ok := map[string]intake.Encoding{
		"utf8": intake.EncodingUTF8, "utf-8": intake.EncodingUTF8,
		"utf8bom": intake.EncodingUTF8BOM, "utf-8-bom": intake.EncodingUTF8BOM,
		"gbk": intake.EncodingGB18030, "gb18030": intake.EncodingGB18030,
	}[strings.ToLower(*encoding)]
	if !ok {
		return fmt.Errorf("--encoding %q: want utf8, utf8bom or gbk", *encoding)
	}
	if opts.Format == intake.FormatCSV {
		opts.Encoding = enc
	} else if enc != intake.EncodingUTF8 {
		return errors.New("--encoding applies to CSV only")
	}
	start := time.Now()
	sum, err := writeAtomically(*out, func(w io.Writer) (intake.GenSummary, error) {
		return intake.Generate(w, opts)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d rows to %s (%s%s) in %.1fs: %d noisy, %d to be rejected\n",
		sum.Rows, *out, opts.Format, encodingNote(opts), time.Since(start).Seconds(), noisy(sum), sum.Invalid)
	kinds := make([]string, 0, len(sum.Noise))
	for k := range sum.Noise {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(stdout, "  %-12s %d\n", k, sum.Noise[k])
	}
	return nil
}

func encodingNote(o intake.GenOptions) string {
	if o.Format != intake.FormatCSV {
		return ""
	}
	return ", " + string(o.Encoding)
}

func noisy(s intake.GenSummary) int {
	n := 0
	for _, c := range s.Noise {
		n += c
	}
	return n
}

// writeAtomically writes a file through a temporary one beside it, so that
// an interrupted run leaves no half-written manifest behind.
func writeAtomically(path string, write func(io.Writer) (intake.GenSummary, error)) (intake.GenSummary, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return intake.GenSummary{}, err
	}
	defer os.Remove(tmp.Name())
	sum, err := write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return sum, err
	}
	return sum, os.Rename(tmp.Name(), path)
}
