package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"text/tabwriter"
	"time"

	"github.com/epiloop/epiloop"
	ehttp "github.com/epiloop/epiloop/http"
	"github.com/epiloop/epiloop/loop"
)

const peerUsage = `usage:
  epiloop peer key init --key-file PATH          create this instance's city key pair (PATH.xcity)
  epiloop peer key show --key-file PATH [--city CODE]   print the public key to give the other cities
  epiloop peer add --db … --city 210200 --url https://… --key BASE64
  epiloop peer list --db …
  epiloop peer remove --db … --city 210200`

// CityKeyPath is the file of the instance's city key pair beside the data
// key file at keyPath: the private keys are never in the database.
func CityKeyPath(keyPath string) string { return keyPath + ".xcity" }

// runPeer manages the peer cities of the hand-over between cities and
// this instance's own key pair.
func runPeer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(peerUsage)
	}
	switch args[0] {
	case "key":
		if len(args) > 1 && args[1] == "init" {
			return runPeerKey(args[2:], true, stdout, stderr)
		}
		if len(args) > 1 && args[1] == "show" {
			return runPeerKey(args[2:], false, stdout, stderr)
		}
	case "add":
		return runPeerAdd(ctx, args[1:], stdout, stderr)
	case "list":
		return runPeerList(ctx, args[1:], stdout, stderr)
	case "remove":
		return runPeerRemove(ctx, args[1:], stdout, stderr)
	}
	return errors.New(peerUsage)
}

// runPeerKey creates (refusing to overwrite) or shows the city key pair.
func runPeerKey(args []string, create bool, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("peer key", flag.ContinueOnError)
	fl.SetOutput(stderr)
	path := fl.String("key-file", os.Getenv("EPILOOP_KEY_FILE"), "the data key file; the city keys are PATH.xcity (env EPILOOP_KEY_FILE)")
	city := fl.String("city", os.Getenv("EPILOOP_CITY"), "this instance's city code (env EPILOOP_CITY)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("--key-file (or EPILOOP_KEY_FILE) is required")
	}
	kp := CityKeyPath(*path)
	var k *epiloop.CityKeys
	var err error
	if create {
		if k, err = createCityKeys(kp); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "city key file %s created (mode 0600).\n", kp)
	} else if k, err = loadCityKeys(kp); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "public key: %s\n", k.PublicKey())
	c := *city
	if c == "" {
		c = "<this city's code>"
	}
	fmt.Fprintf(stdout, "Give the other city's headquarters, by a channel you trust:\n  epiloop peer add --city %s --url <this instance's URL> --key %s\n", c, k.PublicKey())
	return nil
}

func createCityKeys(path string) (*epiloop.CityKeys, error) {
	k, err := epiloop.NewCityKeys()
	if err != nil {
		return nil, err
	}
	b, err := epiloop.MarshalCityKeys(k)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("city key file %s exists: refusing to overwrite it (the peers know its public key)", path)
	} else if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	return k, f.Close()
}

func loadCityKeys(path string) (*epiloop.CityKeys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return epiloop.ParseCityKeys(b)
}

// cityConfig is the hand-over configuration of an instance whose data key
// file is keyPath: its city code (EPILOOP_CITY, or city), its key pair
// when the city key file exists (created when create), the headquarters'
// name and contact for letters (EPILOOP_HQ, EPILOOP_HQ_CONTACT), and an
// HTTP client for the peers.
func cityConfig(keyPath, city string, create bool) (loop.XCityConfig, error) {
	cfg := loop.XCityConfig{City: city, HQ: os.Getenv("EPILOOP_HQ"), Contact: os.Getenv("EPILOOP_HQ_CONTACT"),
		Post: ehttp.XCityPoster(&http.Client{Timeout: 30 * time.Second})}
	if v := os.Getenv("EPILOOP_CITY"); v != "" {
		cfg.City = v
	}
	if keyPath == "" {
		return cfg, nil
	}
	kp := CityKeyPath(keyPath)
	k, err := loadCityKeys(kp)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		k, err = createCityKeys(kp)
	case errors.Is(err, fs.ErrNotExist):
		return cfg, nil // no key pair: letters only, no messages
	}
	if err != nil {
		return cfg, fmt.Errorf("city key file %s: %w", kp, err)
	}
	if cfg.City != "" && !epiloop.ValidCityCode(cfg.City) {
		return cfg, fmt.Errorf("city code %q: want a 6-digit city code such as 210100", cfg.City)
	}
	cfg.Keys = k
	return cfg, nil
}

func runPeerAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl, db := dbFlagSet("peer add", stderr)
	city := fl.String("city", "", "the peer's city code (210200)")
	url := fl.String("url", "", "the peer's base URL (https://…)")
	key := fl.String("key", "", "the peer's public key (its 'epiloop peer key show')")
	if err := fl.Parse(args); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	p, err := m.Service.AddPeer(epiloop.NewContextWithUser(ctx, nil), epiloop.Peer{City: *city, URL: *url, Key: *key})
	if err != nil {
		return errorText(err)
	}
	fmt.Fprintf(stdout, "peer %s (%s) at %s\n", p.City, p.Name, p.URL)
	return nil
}

func runPeerList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl, db := dbFlagSet("peer list", stderr)
	if err := fl.Parse(args); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	ps, err := m.Service.Peers(epiloop.NewContextWithUser(ctx, nil))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "CITY\tNAME\tURL\tKEY")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.City, p.Name, p.URL, p.Key)
	}
	return tw.Flush()
}

func runPeerRemove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl, db := dbFlagSet("peer remove", stderr)
	city := fl.String("city", "", "the peer's city code")
	if err := fl.Parse(args); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Service.RemovePeer(epiloop.NewContextWithUser(ctx, nil), *city); err != nil {
		return errorText(err)
	}
	fmt.Fprintf(stdout, "peer %s removed\n", *city)
	return nil
}

// errorText is err with its message in the operator's language.
func errorText(err error) error {
	var e *epiloop.Error
	if errors.As(err, &e) {
		return errors.New(epiloop.ErrorText(err, terminalLang()))
	}
	return err
}
