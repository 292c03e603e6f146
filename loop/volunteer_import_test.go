package loop_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/loop"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// volunteerList is a list of 6 rows: 3 good (one of them twice), a bad
// ID number, an unknown skill, a community the committee does not serve.
func volunteerList(header []string) [][]string {
	return [][]string{
		header,
		{"义勇一", volunteerID(11), "13900139011", "水源地社区", "一分队", "门岗值守、测温登记", "周末"},
		{"義勇二", volunteerID(12), "13900139012", shuiyuandi, "二分队", "patrol", "晚上"},
		{"义勇三", "", "13900139013", "", "", "", ""},
		{"义勇一", volunteerID(11), "13900139011", "水源地社区", "一分队", "", ""},
		{"坏号", "210102199001010000", "", "", "", "", ""},
		{"义勇五", volunteerID(15), "", "", "", "开挖掘机", ""},
		{"义勇六", volunteerID(16), "", "永顺社区", "", "", ""},
	}
}

var (
	zhHeader = []string{"姓名", "身份证号", "手机号", "社区", "队伍", "技能", "可服务时间"}
	enHeader = []string{"Name", "ID number", "Mobile", "Community", "Team", "Skills", "Availability"}
)

func gbkCSV(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\r\n")
	}
	out, err := simplifiedchinese.GBK.NewEncoder().String(b.String())
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out)
}

func xlsxList(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		vals := make([]any, len(row))
		for i, v := range row {
			vals[i] = v
		}
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// importList imports the bytes of a file into ctx's pool.
func importList(t *testing.T, f *fixture, ctx context.Context, name string, data []byte) (*epiloop.Import, bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	rd, err := intake.OpenFile(path, intake.Options{File: name})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	info := rd.Info()
	im, done, err := f.svc.ImportVolunteers(ctx, intake.NewVolunteerRows(rd), loop.ImportOptions{Name: name,
		Fingerprint: info.SHA256, Format: string(info.Format), Encoding: string(info.Encoding), Headers: info.Headers(), BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	return im, done
}

func TestVolunteerImport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		im, done := importList(t, f, committee, "义勇.csv", gbkCSV(t, volunteerList(zhHeader)))
		if done || im.Status != epiloop.ImportDone || im.Encoding != "gb18030" && im.Encoding != "gbk" {
			t.Fatalf("import %+v", im)
		}
		c := im.Counts
		if c.Rows != 7 || c.Rejected != 3 || c.Accepted != 4 || c.VolunteersCreated != 3 || c.Merged != 1 {
			t.Errorf("counts %+v", c)
		}
		var rejects []epiloop.ImportReject
		if err := f.svc.EachImportReject(committee, im.ID, func(r epiloop.ImportReject) error {
			rejects = append(rejects, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		wantRejects := []struct {
			row  int
			code string
			col  int
		}{{6, epiloop.ReasonIDChecksum, 1}, {7, epiloop.ReasonVolunteerSkill, 5}, {8, epiloop.ReasonVolunteerNotServed, 3}}
		if len(rejects) != len(wantRejects) {
			t.Fatalf("rejects %+v", rejects)
		}
		for i, w := range wantRejects {
			r := rejects[i]
			if r.Row != w.row || r.Code != w.code || r.Column != w.col || r.Message == "" {
				t.Errorf("reject %d: %+v, want %+v", i, r, w)
			}
		}
		p, err := f.svc.FindVolunteers(committee, epiloop.VolunteerFilter{})
		if err != nil || p.Total != 3 {
			t.Fatalf("pool %+v %v", p, err)
		}
		got := p.Volunteers[0]
		if got.Team != "一分队" || len(got.Skills) != 2 || got.CommunityCode != shuiyuandi || got.Vetting != epiloop.VettingPending {
			t.Errorf("first volunteer %+v", got)
		}
		if p.Volunteers[1].Person.Name != "义**" {
			t.Errorf("second volunteer's name (traditional → simplified, masked): %q", p.Volunteers[1].Person.Name)
		}

		// The same file again: nothing happens. The same rows in a
		// workbook with English headers: every good row is in the pool
		// already.
		again, done := importList(t, f, committee, "again.csv", gbkCSV(t, volunteerList(zhHeader)))
		if !done || again.ID != im.ID {
			t.Errorf("re-import %+v done %v", again, done)
		}
		x, _ := importList(t, f, committee, "义勇.xlsx", xlsxList(t, volunteerList(enHeader)))
		if x.Format != "xlsx" || x.Counts.VolunteersCreated != 0 || x.Counts.Merged != 4 || x.Counts.Rejected != 3 {
			t.Errorf("xlsx counts %+v", x.Counts)
		}
		if p, _ := f.svc.FindVolunteers(committee, epiloop.VolunteerFilter{}); p.Total != 3 {
			t.Errorf("pool after re-imports: %d", p.Total)
		}
		// The station imports the same list into its own pool: the
		// persons are the same persons (one identity store), and the row
		// that names no community is rejected (a station serves several).
		s, _ := importList(t, f, station, "义勇.csv", gbkCSV(t, volunteerList(zhHeader)))
		if s.ID == im.ID || s.Counts.VolunteersCreated != 2 || s.Counts.Rejected != 4 {
			t.Errorf("station's import %+v", s)
		}
		var persons int
		f.store.View(context.Background(), func(tx epiloop.Tx) error {
			vs, _, err := tx.FindVolunteers(epiloop.VolunteerFilter{Limit: 100})
			ids := map[int64]bool{}
			for _, v := range vs {
				ids[v.Person.ID] = true
			}
			persons = len(ids)
			return err
		})
		if persons != 3 {
			t.Errorf("%d persons for 3 identities in two pools", persons)
		}
		// A lead import's fingerprint is not a volunteer import.
		_, err = f.svc.FindVolunteerImport(committee, im.ID)
		if err != nil {
			t.Errorf("find volunteer import: %v", err)
		}
		_, _, err = f.svc.StartVolunteerImport(hepingCommander, loop.ImportOptions{Fingerprint: "x"})
		wantCode(t, "a district commander imports volunteers", err, epiloop.EFORBIDDEN)
	})
}
