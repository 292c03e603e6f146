package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/epiloop/epiloop/intake"
)

func TestGenManifest(t *testing.T) {
	dir := t.TempDir()
	gen := func(name string, args ...string) []byte {
		t.Helper()
		path := filepath.Join(dir, name)
		var out, errOut bytes.Buffer
		args = append([]string{"gen", "manifest", "--out", path}, args...)
		if err := run(context.Background(), args, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		if !strings.Contains(out.String(), "wrote") {
			t.Errorf("output %q", out.String())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := gen("a.csv", "--rows", "500", "--seed", "9", "--noise", "0.1", "--encoding", "gbk")
	b := gen("b.csv", "--rows", "500", "--seed", "9", "--noise", "0.1", "--encoding", "gbk")
	if !bytes.Equal(a, b) {
		t.Error("same seed, different bytes")
	}
	r, err := intake.Open(bytes.NewReader(a), int64(len(a)), intake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info := r.Info(); info.Encoding != intake.EncodingGB18030 {
		t.Errorf("encoding %s", info.Encoding)
	}
	r.Close()
	x := gen("c.xlsx", "--rows", "50")
	if !bytes.HasPrefix(x, []byte("PK\x03\x04")) {
		t.Error("an .xlsx output is not a workbook")
	}

	for _, args := range [][]string{
		{"gen"},
		{"gen", "manifest"},
		{"gen", "manifest", "--out", filepath.Join(dir, "x"), "--format", "pdf"},
		{"gen", "manifest", "--out", filepath.Join(dir, "x"), "--encoding", "latin1"},
		{"gen", "manifest", "--out", filepath.Join(dir, "x.xlsx"), "--encoding", "gbk"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, strings.NewReader(""), &out, &errOut); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
