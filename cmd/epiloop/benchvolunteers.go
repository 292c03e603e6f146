package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/loop"
)

// benchVolunteersResult is the last line of `epiloop bench volunteers`.
type benchVolunteersResult struct {
	Engine        string  `json:"engine"`
	Rows          int     `json:"rows"`
	Unit          string  `json:"unit"`
	Created       int     `json:"volunteers_created"`
	Rejected      int     `json:"rejected"`
	ImportSeconds float64 `json:"import_seconds"`
	RowsPerSecond float64 `json:"rows_per_second"`
	PeakRSSMiB    float64 `json:"peak_rss_mib"`
	// ReimportSeconds is the same file imported again (nothing changes).
	ReimportSeconds float64 `json:"reimport_seconds"`
	// Pool is the pool page of a community of PoolSize volunteers: its
	// page of 50 with the tally, and the communities' list.
	PoolSize   int     `json:"pool_size"`
	PoolP50Ms  float64 `json:"pool_p50_ms"`
	PoolP95Ms  float64 `json:"pool_p95_ms"`
	TilesMs    float64 `json:"district_figures_ms"`
	Iterations int     `json:"iterations"`
}

// runBenchVolunteers generates a volunteer list of rows for one police
// station's pool — pool of them in one community, the rest over the
// station's other communities, one row in a hundred with a bad ID number —
// imports it, imports it again, and times the pool page of the community.
func runBenchVolunteers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("bench volunteers", stderr)
	rows := fs.Int("rows", 333_000, "volunteer rows")
	pool := fs.Int("pool", 500, "volunteers of the community whose pool page is timed")
	unit := fs.String("unit", "PS210102001", "the police station whose pool takes the list")
	batch := fs.Int("batch", loop.ServerImportBatch, "rows per transaction")
	iterations := fs.Int("n", 200, "pool page reads timed")
	keep := fs.String("dir", "", "work directory (default: a temporary one, removed after)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := *keep
	if dir == "" {
		d, err := os.MkdirTemp("", "epiloop-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if db.dsn == "" {
		*db = dbFlags{dsn: "sqlite:" + filepath.Join(dir, "bench.db"), createKey: true}
	}
	m, err := NewMain(ctx, *db, newLogger(stderr))
	if err != nil {
		return err
	}
	defer m.Close()
	station := &epiloop.User{Name: "bench-volunteer-station", Role: epiloop.RoleStation, UnitCode: *unit}
	if err := m.Service.CreateUser(cliContext(ctx), station, ""); err != nil {
		return err
	}
	sctx := epiloop.NewContextWithUser(ctx, station)
	cs, err := m.Service.VolunteerCommunities(sctx)
	if err != nil || len(cs) < 2 {
		return fmt.Errorf("station %s serves %d communities, want 2 or more: %v", *unit, len(cs), err)
	}
	file := filepath.Join(dir, "volunteers.csv")
	if err := writeVolunteerList(file, *rows, *pool, cs); err != nil {
		return err
	}
	res := benchVolunteersResult{Engine: m.Store.Engine(), Rows: *rows, Unit: *unit, PoolSize: *pool, Iterations: *iterations}
	runtime.GC()
	start := time.Now()
	im, err := importVolunteerFile(sctx, m.Service, file, *batch)
	if err != nil {
		return err
	}
	res.ImportSeconds = time.Since(start).Seconds()
	res.Created, res.Rejected = im.Counts.VolunteersCreated, im.Counts.Rejected
	res.RowsPerSecond = float64(im.Counts.Rows) / res.ImportSeconds
	res.PeakRSSMiB = peakRSSMiB()
	fmt.Fprintf(stderr, "imported %d rows in %.1fs: %.0f rows/s, %d volunteers, %d rejected, peak RSS %.0f MiB\n",
		im.Counts.Rows, res.ImportSeconds, res.RowsPerSecond, res.Created, res.Rejected, res.PeakRSSMiB)
	// A second file of the same rows (another name, one more blank
	// line: another fingerprint) goes through every row and adds none.
	if err := appendLine(file); err != nil {
		return err
	}
	start = time.Now()
	again, err := importVolunteerFile(sctx, m.Service, file, *batch)
	if err != nil {
		return err
	}
	res.ReimportSeconds = time.Since(start).Seconds()
	if again.Counts.VolunteersCreated != 0 {
		return fmt.Errorf("the re-import added %d volunteers", again.Counts.VolunteersCreated)
	}
	community := cs[0].Code
	times := make([]time.Duration, 0, *iterations)
	pages := max(1, *pool/50)
	for i := range *iterations {
		t := time.Now()
		p, err := m.Service.FindVolunteers(sctx, epiloop.VolunteerFilter{Community: &community, Offset: (i % pages) * 50, Limit: 50})
		if err != nil {
			return err
		}
		if _, err := m.Service.VolunteerCommunities(sctx); err != nil {
			return err
		}
		times = append(times, time.Since(t))
		if p.Total != *pool {
			return fmt.Errorf("the community's pool holds %d, want %d", p.Total, *pool)
		}
	}
	slices.Sort(times)
	res.PoolP50Ms = float64(times[len(times)/2].Microseconds()) / 1000
	res.PoolP95Ms = float64(times[len(times)*95/100].Microseconds()) / 1000
	t := time.Now()
	if _, err := m.Service.VolunteerFigures(commanderContext(ctx)); err != nil {
		return err
	}
	res.TilesMs = float64(time.Since(t).Microseconds()) / 1000
	fmt.Fprintf(stderr, "pool page of %d: p50 %.2f ms, p95 %.2f ms; district figures over %d volunteers %.0f ms\n",
		*pool, res.PoolP50Ms, res.PoolP95Ms, res.Created, res.TilesMs)
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}

// writeVolunteerList writes rows volunteers: pool of them in cs[0], the
// others over cs[1:], one in a hundred of those with a bad check
// character.
func writeVolunteerList(path string, rows, pool int, cs []epiloop.Community) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "姓名,身份证号,手机号,社区,队伍,技能,可服务时间")
	skills := []string{"门岗值守", "测温登记、巡逻", "物资配送", "", "医疗卫生、心理疏导"}
	for i := range rows {
		c := cs[0]
		if i >= pool {
			c = cs[1+i%(len(cs)-1)]
		}
		id := epiloop.CompleteIDNumber(fmt.Sprintf("210102%s%03d", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000).Format("20060102"), i%1000))
		if i >= pool && i%100 == 99 {
			id = id[:17] + string("0123456789X"[(int(id[17]-'0')+1)%11])
		}
		fmt.Fprintf(w, "义勇%d,%s,1390%07d,%s,第%d分队,%s,周末\n", i, id, i%10_000_000, c.Name, 1+i%20, skills[i%len(skills)])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func appendLine(path string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString("\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// importVolunteerFile imports a volunteer list into ctx's pool.
func importVolunteerFile(ctx context.Context, svc *loop.Service, path string, batch int) (*epiloop.Import, error) {
	rd, err := intake.OpenFile(path, intake.Options{File: filepath.Base(path)})
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	info := rd.Info()
	im, _, err := svc.ImportVolunteers(ctx, intake.NewVolunteerRows(rd), loop.ImportOptions{Name: filepath.Base(path),
		Fingerprint: info.SHA256, Format: string(info.Format), Encoding: string(info.Encoding), Headers: info.Headers(), BatchSize: batch})
	return im, err
}
