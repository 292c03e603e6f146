package divisions

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// data holds the public division-code tables; see data/README.md for their
// source. Embedding them keeps the binary self-contained on a closed network.
//
//go:embed data/*.csv
var data embed.FS

// readTable streams one embedded CSV file whose header must be exactly cols,
// calling row for each record. Errors name the file and line, because the
// only way to fix them is to open the file and look.
func readTable(name string, cols []string, row func(rec []string) error) error {
	f, err := data.Open("data/" + name)
	if err != nil {
		return fmt.Errorf("divisions: %w", err)
	}
	defer f.Close()

	r := csv.NewReader(f)
	r.FieldsPerRecord = len(cols)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("divisions: %s: %w", name, err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	if !slices.Equal(header, cols) {
		return fmt.Errorf("divisions: %s line 1: header %q, want %q", name, header, cols)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("divisions: %s: %w", name, err)
		}
		if err := row(rec); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("divisions: %s line %d: %w", name, line, err)
		}
	}
}

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
