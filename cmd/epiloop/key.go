package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/epiloop/epiloop/keyring"
)

const keyUsage = "usage: epiloop key init --key-file PATH | epiloop key rotate|reseal --db … [--key-file PATH]"

// runKey manages the key file that protects personal data at rest. The
// key lives outside the database and is backed up apart from it: a
// database backup without its key holds no readable identity, and a key
// lost is the data lost.
func runKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(keyUsage)
	}
	switch args[0] {
	case "init":
		return runKeyInit(args[1:], stdout, stderr)
	case "rotate":
		return runKeyRotate(ctx, args[1:], true, stdout, stderr)
	case "reseal":
		return runKeyRotate(ctx, args[1:], false, stdout, stderr)
	}
	return errors.New(keyUsage)
}

// runKeyInit creates a new key file, refusing to overwrite one: a new key
// in place of the one that sealed the data would make the data unreadable.
func runKeyInit(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("key init", flag.ContinueOnError)
	fl.SetOutput(stderr)
	path := fl.String("key-file", "", "where to create the key file (env EPILOOP_KEY_FILE)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		*path = os.Getenv("EPILOOP_KEY_FILE")
	}
	if *path == "" {
		return errors.New("--key-file (or EPILOOP_KEY_FILE) is required")
	}
	if _, err := keyring.Create(*path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("key file %s exists: refusing to overwrite it (the data sealed with it would be lost)", *path)
		}
		return err
	}
	fmt.Fprintf(stdout, "key file %s created (mode 0600).\n", *path)
	fmt.Fprintln(stdout, "Back it up now, apart from the database backups: without it the ID numbers and phones cannot be read.")
	fmt.Fprintln(stdout, "Every replica needs the same file (--key-file or EPILOOP_KEY_FILE).")
	return nil
}

// runKeyRotate adds a new sealing key to the key file and re-seals every
// identity still sealed with an older one, in batches, online. Replicas
// that share the file pick the new key up by themselves; replicas with a
// copy of it need the new file before the re-sealing starts. Without
// rotate (`key reseal`) it only re-seals: what an older key sealed, and
// the text written in clear before sealing (a database from before
// schema 10), under the current key.
func runKeyRotate(ctx context.Context, args []string, rotate bool, stdout, stderr io.Writer) error {
	name := "key reseal"
	if rotate {
		name = "key rotate"
	}
	fl, db := dbFlagSet(name, stderr)
	batch := fl.Int("batch", 500, "persons re-sealed per transaction")
	if err := fl.Parse(args); err != nil {
		return err
	}
	path := db.keyFile
	if path == "" {
		path = os.Getenv("EPILOOP_KEY_FILE")
	}
	if path == "" && strings.HasPrefix(db.dsn, "sqlite:") {
		path = strings.TrimPrefix(db.dsn, "sqlite:") + ".key"
	}
	if path == "" {
		return errors.New("--key-file (or EPILOOP_KEY_FILE) is required")
	}
	var kr *keyring.Keyring
	var err error
	if rotate {
		if kr, err = keyring.Rotate(path); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %d added to %s and made current\n", kr.Current(), path)
	} else if kr, err = keyring.Load(path); err != nil {
		return err
	}
	db.keyFile = path
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	n, err := m.Service.Reseal(cliContext(ctx), kr, *batch, func(checked, resealed int) {
		fmt.Fprintf(stderr, "checked %d persons, re-sealed %d\n", checked, resealed)
	})
	if err != nil {
		return fmt.Errorf("re-sealing stopped after %d persons (run 'epiloop key reseal' to finish; it resumes): %w", n, err)
	}
	fmt.Fprintf(stdout, "re-sealed %d persons with key %d\n", n, kr.Current())
	return nil
}
