package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestConstraintError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"Unique", &pgconn.PgError{Code: "23505", Detail: "Key (id_key)=(…) already exists."}, epiloop.ECONFLICT},
		{"Wrapped", fmt.Errorf("x: %w", &pgconn.PgError{Code: "23505"}), epiloop.ECONFLICT},
		{"ForeignKey", &pgconn.PgError{Code: "23503"}, epiloop.ENOTFOUND},
		{"NotNull", &pgconn.PgError{Code: "23502"}, epiloop.EINTERNAL},
		{"Deadlock", &pgconn.PgError{Code: "40P01"}, epiloop.EINTERNAL},
		{"NoRows", pgx.ErrNoRows, epiloop.EINTERNAL},
		{"Other", errors.New("disk on fire"), epiloop.EINTERNAL},
		{"Nil", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := epiloop.ErrorCode(constraintError(tc.err, "c", "m")); got != tc.want {
				t.Errorf("code %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNoRows(t *testing.T) {
	if got := epiloop.ErrorCode(noRows(fmt.Errorf("scan: %w", pgx.ErrNoRows), "m")); got != epiloop.ENOTFOUND {
		t.Errorf("code %q, want not_found", got)
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"SerializationFailure", &pgconn.PgError{Code: "40001"}, true},
		{"Deadlock", fmt.Errorf("postgres: update lead: %w", &pgconn.PgError{Code: "40P01"}), true},
		// The message says deadlock, the code does not: codes decide.
		{"MessageOnly", errors.New("deadlock detected"), false},
		{"Unique", &pgconn.PgError{Code: "23505"}, false},
		{"Nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryable(tc.err); got != tc.want {
				t.Errorf("retryable = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 {
		t.Fatalf("migrations %v: want 1, 2, …", ms)
	}
}
