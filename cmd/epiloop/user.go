package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/epiloop/epiloop"
)

func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: epiloop user add --db … --name N --role ROLE [--unit CODE] [--password-stdin]")
	}
	fs, db := dbFlagSet("user add", stderr)
	name := fs.String("name", "", "user name")
	role := fs.String("role", "", "commander|district|station|committee|checkpoint|analyst|auditor|admin")
	unit := fs.String("unit", "", "unit code (district: SC+district code, station: PS…, committee: CM…)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var password string
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return errors.New("--password-stdin: empty password")
		}
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	u := &epiloop.User{Name: *name, Role: epiloop.Role(*role), UnitCode: *unit}
	if err := m.Service.CreateUser(cliContext(ctx), u, password); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s created (id %d, role %s)\n", u.Name, u.ID, u.Role)
	return nil
}
