package loop

import (
	"context"
	"os"
	"sync"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	"github.com/epiloop/epiloop/intake"
)

// ServerImportBatch is how many rows of a background import commit
// together. A field write that arrives during a batch waits for it (the
// SQLite engine has one writer; see its commitLoop for how an import
// shares it). Measured (docs/performance-history.md): during field traffic, a
// 5,000-row batch holds the writer ≈ 0.3 s, a 20,000-row one ≈ 1 s; on a
// quiet server 5,000-row batches import at 92–98 % of the speed of
// 20,000-row ones, with less memory.
const ServerImportBatch = 5000

// importJobs are the imports this replica runs in the background: the
// reader of each (for its progress) and a group to wait for on shutdown.
type importJobs struct {
	mu      sync.Mutex
	running map[int64]*intake.Reader
	wg      sync.WaitGroup
}

// ImportProgress is how far this replica has read a running import.
type ImportProgress struct {
	Rows     int     `json:"rows"`
	Bytes    int64   `json:"bytes"`
	Size     int64   `json:"size"`
	Fraction float64 `json:"fraction"`
}

// RunImportInBackground takes the rows of a started import in on ctx
// (the server's, carrying the importer), in ServerImportBatch batches. The
// job owns rd and the file at path: it closes and removes them when it
// ends, as it does when it refuses to start (the same import running on
// this replica already is a conflict). Cancelling ctx stops the job
// between batches; running the import again resumes it.
func (s *Service) RunImportInBackground(ctx context.Context, im *epiloop.Import, rd *intake.Reader, path string, opts ImportOptions) error {
	opts.BatchSize = ServerImportBatch
	return s.runJob(ctx, im, rd, path, func() error { return s.RunImport(ctx, im, intake.Rows{R: rd}, opts) })
}

// RunVolunteerImportInBackground is RunImportInBackground for a started
// volunteer list's import (loop/volunteer_import.go).
func (s *Service) RunVolunteerImportInBackground(ctx context.Context, im *epiloop.Import, rd *intake.Reader, path string, opts ImportOptions) error {
	opts.BatchSize = ServerImportBatch
	return s.runJob(ctx, im, rd, path, func() error { return s.RunVolunteerImport(ctx, im, intake.NewVolunteerRows(rd), opts) })
}

// runJob runs an import's rows in (run) in the background, owning rd and
// the file at path.
func (s *Service) runJob(ctx context.Context, im *epiloop.Import, rd *intake.Reader, path string, run func() error) error {
	j := &s.jobs
	j.mu.Lock()
	if j.running == nil {
		j.running = map[int64]*intake.Reader{}
	}
	if j.running[im.ID] != nil {
		j.mu.Unlock()
		rd.Close()
		os.Remove(path)
		return epiloop.Errorf(epiloop.ECONFLICT, "err.this_file_being_imported_already")
	}
	j.running[im.ID] = rd
	j.mu.Unlock()
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer os.Remove(path)
		defer rd.Close()
		err := run()
		j.mu.Lock()
		delete(j.running, im.ID)
		j.mu.Unlock()
		if err != nil && epiloop.ErrorCode(err) == epiloop.EINTERNAL && ctx.Err() == nil {
			s.Logger.Error("import failed", "import", im.ID, "err", err)
		}
	}()
	return nil
}

// ImportProgressOf returns how far the import has been read: live while
// this replica runs it, complete when it is done, nil otherwise (running
// on another replica, or interrupted).
func (s *Service) ImportProgressOf(im *epiloop.Import) *ImportProgress {
	s.jobs.mu.Lock()
	rd := s.jobs.running[im.ID]
	s.jobs.mu.Unlock()
	switch {
	case im.Status == epiloop.ImportDone:
		// Done in the database: complete, even while the job that did it
		// is still being put away.
		return &ImportProgress{Rows: im.Counts.Rows, Fraction: 1}
	case rd != nil:
		p := rd.Progress()
		out := &ImportProgress{Rows: p.Rows, Bytes: p.Bytes, Size: p.Size}
		if p.Size > 0 {
			out.Fraction = float64(p.Bytes) / float64(p.Size)
		}
		return out
	}
	return nil
}

// WaitImports waits for the background imports to stop (they stop when
// their context ends), or for ctx.
func (s *Service) WaitImports(ctx context.Context) {
	done := make(chan struct{})
	go func() { s.jobs.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// RegionIndex is the index of China's divisions the imports and pages
// resolve origins with: Divisions as the wiring loaded it, or loaded once
// on first use when the wiring gave none.
func (s *Service) RegionIndex() (*divisions.RegionIndex, error) {
	s.regionsOnce.Do(func() {
		if s.Divisions == nil {
			s.Divisions, s.regionsErr = divisions.Regions()
		}
	})
	return s.Divisions, s.regionsErr
}
