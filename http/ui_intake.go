package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/loop"
)

// The intake pages: upload a CSV or XLSX manifest, see what intake made of
// it (format, encoding, sheet, the column mapping, the first rows'
// verdicts) before anything is written, commit, watch the progress, read
// the counts and download the rejects. The previewed file stays on the
// server under a random token for a while, so that a large file is
// uploaded once: committing sends the token, not the file again.

// uploadTTL is how long a previewed file waits for its commit.
const uploadTTL = 15 * time.Minute

// The preview shows the first previewRows rows, and of the first
// previewScan the rejected ones (up to previewExamples), so that a
// mistake common in the file shows before it is imported.
const (
	previewRows     = 20
	previewScan     = 1000
	previewExamples = 10
)

func (ui *ui) registerIntakePages() {
	ui.uploads = &pendingUploads{ttl: uploadTTL, m: map[string]*pendingUpload{}}
	context.AfterFunc(ui.s.baseCtx, ui.uploads.clear)
	ui.page("GET /imports", epiloop.ActImport, ui.handleIntakeForm)
	ui.page("POST /imports/preview", epiloop.ActImport, ui.handleIntakePreview)
	ui.page("POST /imports/commit", epiloop.ActImport, ui.handleIntakeCommit)
	ui.page("GET /imports/{id}", epiloop.ActImport, ui.handleIntakeStatus)
}

// pendingUpload is a previewed file waiting for its commit.
type pendingUpload struct {
	path    string
	opts    intake.Options
	user    int64
	expires time.Time
}

// pendingUploads holds the previewed files by token. Files are removed
// when committed (the import then owns them) or when they expire.
type pendingUploads struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*pendingUpload
}

// put keeps a file for user and returns its token.
func (pu *pendingUploads) put(path string, opts intake.Options, user int64) string {
	var b [16]byte
	rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	pu.mu.Lock()
	pu.m[tok] = &pendingUpload{path: path, opts: opts, user: user, expires: time.Now().Add(pu.ttl)}
	pu.mu.Unlock()
	time.AfterFunc(pu.ttl+time.Second, pu.sweep)
	return tok
}

// get returns user's file of token, with its time renewed; take also
// removes it, handing the file to the caller.
func (pu *pendingUploads) get(tok string, user int64, take bool) (pendingUpload, bool) {
	pu.sweep()
	pu.mu.Lock()
	defer pu.mu.Unlock()
	up, ok := pu.m[tok]
	if !ok || up.user != user {
		return pendingUpload{}, false
	}
	if take {
		delete(pu.m, tok)
	} else {
		up.expires = time.Now().Add(pu.ttl)
		time.AfterFunc(pu.ttl+time.Second, pu.sweep)
	}
	return *up, true
}

// setOptions records the options a file was last previewed with (another
// sheet), for its commit.
func (pu *pendingUploads) setOptions(tok string, opts intake.Options) {
	pu.mu.Lock()
	defer pu.mu.Unlock()
	if up, ok := pu.m[tok]; ok {
		up.opts = opts
	}
}

// clear removes every file, when the server closes.
func (pu *pendingUploads) clear() {
	pu.mu.Lock()
	defer pu.mu.Unlock()
	for tok, up := range pu.m {
		os.Remove(up.path)
		delete(pu.m, tok)
	}
}

// sweep removes the files whose time is up.
func (pu *pendingUploads) sweep() {
	now := time.Now()
	pu.mu.Lock()
	defer pu.mu.Unlock()
	for tok, up := range pu.m {
		if now.After(up.expires) {
			os.Remove(up.path)
			delete(pu.m, tok)
		}
	}
}

// intakeFormData is step 1: the file and where it comes from.
type intakeFormData struct {
	Source  string
	Ref     string
	Sheet   string
	Sources []epiloop.SourceKind
	formErrors
}

var intakeSources = []epiloop.SourceKind{epiloop.SourceRail, epiloop.SourceRoad, epiloop.SourceHealth, epiloop.SourceCheckpoint,
	epiloop.SourceCity, epiloop.SourceHotline, epiloop.SourceOther}

func (ui *ui) handleIntakeForm(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.renderIntakeForm(w, p, &intakeFormData{Source: string(epiloop.SourceRail)}, http.StatusOK)
}

func (ui *ui) renderIntakeForm(w http.ResponseWriter, p *page, d *intakeFormData, status int) error {
	d.Sources = intakeSources
	p.Title, p.Nav, p.Data = "imp.title", "imports", d
	return ui.render(w, status, "import", p)
}

// intakePreviewData is step 2: what intake made of the file.
type intakePreviewData struct {
	Token  string
	File   string
	Source epiloop.SourceKind
	Ref    string
	Info   intake.Info
	Rows   []intakePreviewRow
	// Scanned rows were read, Rejected of them refused; Examples are
	// refused rows after the first ones.
	Scanned  int
	Rejected int
	Examples []intakePreviewRow
	More     bool
	Error    string
}

// Mapped lists the columns that map to a field; Extra those kept as
// extra attributes.
func (d *intakePreviewData) Mapped() []intake.Column {
	var out []intake.Column
	for _, c := range d.Info.Columns {
		if c.Field != "" && c.Field != "-" {
			out = append(out, c)
		}
	}
	return out
}

// intakePreviewRow is one of the first rows with its verdict.
type intakePreviewRow struct {
	Line    int
	Valid   bool
	Reason  string
	Column  string
	Name    string
	ID      string
	Phone   string
	Address string
	Origin  string
	Arrival string
}

// handleIntakePreview takes the upload (or, with a token, the file
// uploaded before, on another sheet) and shows what the import would see.
// It writes nothing but the temporary file.
func (ui *ui) handleIntakePreview(w http.ResponseWriter, r *http.Request, p *page) error {
	var (
		rd   *intake.Reader
		path string
		opts intake.Options
		tok  string
		err  error
	)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		rd, path, opts, err = ui.s.upload(w, r)
		if err != nil {
			if !userError(err) {
				return err
			}
			d := &intakeFormData{Source: string(opts.Source), Ref: opts.Ref, Sheet: opts.Sheet}
			if f := epiloop.ErrorField(err); f == "source" || (f == "file" && epiloop.ErrorReason(err) == "") {
				d.Errors = map[string]string{f: p.errText(err)}
				d.Error = p.T("form.fix")
			} else {
				d.Error = p.errText(err)
			}
			if d.Source == "" {
				d.Source = string(epiloop.SourceRail)
			}
			return ui.renderIntakeForm(w, p, d, formStatus(err))
		}
		tok = ui.uploads.put(path, opts, p.User.ID)
	} else {
		tok = r.PostFormValue("token")
		up, ok := ui.uploads.get(tok, p.User.ID, false)
		if !ok {
			return ui.renderIntakeForm(w, p, &intakeFormData{Source: string(epiloop.SourceRail), formErrors: formErrors{Error: p.T("imp.expired")}}, http.StatusGone)
		}
		opts = up.opts
		opts.Sheet = r.PostFormValue("sheet")
		if rd, err = intake.OpenFile(up.path, opts); err != nil {
			if !userError(err) {
				return err
			}
			return ui.renderIntakeForm(w, p, &intakeFormData{Source: string(opts.Source), Ref: opts.Ref, formErrors: formErrors{Error: p.errText(err)}}, formStatus(err))
		}
		ui.uploads.setOptions(tok, opts)
	}
	defer rd.Close()
	d := &intakePreviewData{Token: tok, File: opts.File, Source: opts.Source, Ref: opts.Ref, Info: rd.Info()}
	for d.Scanned < previewScan {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			d.Error = p.T("imp.unreadable")
			break
		}
		d.Scanned++
		if !row.Valid() {
			d.Rejected++
		}
		switch {
		case len(d.Rows) < previewRows:
			d.Rows = append(d.Rows, previewRow(p, d.Info, row))
		case !row.Valid() && len(d.Examples) < previewExamples:
			d.Examples = append(d.Examples, previewRow(p, d.Info, row))
		}
	}
	d.More = d.Scanned == previewScan
	p.Title, p.Nav, p.Data = "imp.preview.title", "imports", d
	return ui.render(w, http.StatusOK, "import_preview", p)
}

func previewRow(p *page, info intake.Info, row *intake.Row) intakePreviewRow {
	out := intakePreviewRow{Line: row.Line, Valid: row.Valid()}
	if !out.Valid {
		zh, en := intake.Describe(row.Reject.Code)
		out.Reason = zh
		if p.Lang == "en" {
			out.Reason = en
		}
		if c := row.Reject.Column; c >= 0 && c < len(info.Columns) {
			out.Column = info.Columns[c].Header
		}
		return out
	}
	m := row.Person.Masked()
	out.Name, out.ID, out.Phone, out.Address = m.Name, m.IDNumber, m.Phone, row.Address
	out.Origin, out.Arrival = row.Reason.Origin, row.Reason.ArrivalDate
	return out
}

// handleIntakeCommit starts the import of a previewed file and sends the
// clerk to its progress; content imported before shows its earlier counts.
func (ui *ui) handleIntakeCommit(w http.ResponseWriter, r *http.Request, p *page) error {
	up, ok := ui.uploads.get(r.PostFormValue("token"), p.User.ID, true)
	if !ok {
		return ui.renderIntakeForm(w, p, &intakeFormData{Source: string(epiloop.SourceRail), formErrors: formErrors{Error: p.T("imp.expired")}}, http.StatusGone)
	}
	rd, err := intake.OpenFile(up.path, up.opts)
	if err != nil {
		os.Remove(up.path)
		if !userError(err) {
			return err
		}
		return ui.renderIntakeForm(w, p, &intakeFormData{Source: string(up.opts.Source), formErrors: formErrors{Error: p.errText(err)}}, formStatus(err))
	}
	info := rd.Info()
	lopts := loop.ImportOptions{
		Name: up.opts.File, Fingerprint: info.SHA256, Source: up.opts.Source, Ref: up.opts.Ref,
		Format: string(info.Format), Encoding: string(info.Encoding), Headers: info.Headers(),
	}
	im, done, err := ui.s.Service.StartImport(r.Context(), lopts)
	if err != nil || done {
		rd.Close()
		os.Remove(up.path)
		if err != nil {
			return err
		}
		return ui.renderIntakeStatus(w, r, p, im, true)
	}
	if err := ui.s.runImportInBackground(p.User, im, rd, up.path, lopts); err != nil {
		return err
	}
	redirect(w, r, fmt.Sprintf("/imports/%d", im.ID))
	return nil
}

// intakeStatusData is step 3: the import running or done.
type intakeStatusData struct {
	*epiloop.Import
	Progress *loop.ImportProgress
	Again    bool
	// Percent is the progress in whole percent, -1 when unknown.
	Percent int
	Lang    string
}

// Running reports whether the import is still running.
func (d *intakeStatusData) Running() bool { return d.Status == epiloop.ImportRunning }

// CountMap returns the counts by the names the page shows them under.
func (d *intakeStatusData) CountMap() map[string]int {
	c := d.Counts
	return map[string]int{"rows": c.Rows, "accepted": c.Accepted, "rejected": c.Rejected, "merged": c.Merged,
		"leads_created": c.LeadsCreated, "tasks_created": c.TasksCreated, "unroutable": c.Unroutable,
		"warnings": c.Warnings}
}

// HasReport reports whether the import has a report to download: rejects
// to fix, or warnings to look at.
func (d *intakeStatusData) HasReport() bool { return d.Counts.Rejected > 0 || d.Counts.Warnings > 0 }

// RejectsURL is the rejects report's download in the file's format, or
// in format.
func (d *intakeStatusData) RejectsURL(format string) string {
	u := fmt.Sprintf("/api/v1/imports/%d/rejects", d.ID)
	var q []string
	if format != "" {
		q = append(q, "format="+format)
	}
	if d.Lang == "en" {
		q = append(q, "lang=en")
	}
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	return u
}

func (ui *ui) handleIntakeStatus(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, err := ui.s.Service.FindImport(r.Context(), id)
	if err != nil {
		return err
	}
	return ui.renderIntakeStatus(w, r, p, im, false)
}

func (ui *ui) renderIntakeStatus(w http.ResponseWriter, r *http.Request, p *page, im *epiloop.Import, again bool) error {
	res := ui.s.importJSON(im)
	d := &intakeStatusData{Import: im, Progress: res.Progress, Again: again, Percent: -1, Lang: p.Lang}
	if res.Progress != nil && (res.Progress.Size > 0 || im.Status == epiloop.ImportDone) {
		d.Percent = int(res.Progress.Fraction*100 + 0.5)
		if im.Status == epiloop.ImportRunning {
			d.Percent = min(d.Percent, 99)
		}
	}
	p.Title, p.Nav, p.Data = "imp.status.title", "imports", d
	if r.Header.Get("HX-Request") == "true" && r.Method == http.MethodGet {
		return ui.renderFragment(w, http.StatusOK, "import_status", "imp-live", p)
	}
	return ui.render(w, http.StatusOK, "import_status", p)
}
