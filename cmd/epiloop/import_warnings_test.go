package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportPrintsWarnings: `epiloop import` counts the warnings in its
// last line and writes the report when there are warnings only, with the
// warnings below their own heading row.
func TestImportPrintsWarnings(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "名单.csv")
	content := "姓名,身份证号,手机号,现住址,出发地,到达日期\r\n" +
		"陈大文,11010519491231002X,13800138000,沈阳市和平区水源地社区12号楼3单元,香港,2020-01-22\r\n" +
		"李四,210102199001011237,13900139001,沈阳市和平区水源地社区7号楼,火星基地,2月30日\r\n"
	if err := os.WriteFile(manifest, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := runImport(context.Background(), []string{"--db", "sqlite:" + filepath.Join(dir, "e.db"), "--source", "rail", manifest}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr.String())
	}
	res := parseImport(t, stdout.String())
	if res.Rows != 2 || res.Accepted != 2 || res.Rejected != 0 || res.Warnings != 2 || res.Rejects == "" {
		t.Fatalf("result %+v, want 2 rows accepted with 2 warnings and a report", res)
	}
	if !strings.Contains(stdout.String(), `"warnings":2`) {
		t.Errorf("stdout %q", stdout.String())
	}
	report, err := os.ReadFile(res.Rejects)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "原行号,警告说明,警告代码,警告列,姓名") || !strings.Contains(string(report), "3,出发地无法识别") {
		t.Errorf("report:\n%s", report)
	}
}
