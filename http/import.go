package http

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
	"github.com/epiloop/epiloop/loop"
)

// MaxUploadBytes caps an uploaded import file.
const MaxUploadBytes = 512 << 20

func (s *Server) registerImportRoutes() {
	s.api("POST /api/v1/imports", epiloop.ActImport, s.handleImportCreate)
	s.api("POST /api/v1/imports/preview", epiloop.ActImport, s.handleImportPreview)
	s.api("GET /api/v1/imports/{id}", epiloop.ActImport, s.handleImportView)
	s.api("GET /api/v1/imports/{id}/rejects", epiloop.ActImport, s.handleImportRejects)
}

// importResponse is an import with this replica's reading progress.
type importResponse struct {
	*epiloop.Import
	Progress *loop.ImportProgress `json:"progress,omitempty"`
}

// upload saves the multipart file to a temporary file and opens it with
// intake, which refuses an unreadable file or one without identity
// columns before anything is written.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) (*intake.Reader, string, intake.Options, error) {
	return s.uploadAs(w, r, "")
}

// uploadAs is upload for a file whose source is known (fixed, not ""): the
// form then has no source field (a volunteer list).
func (s *Server) uploadAs(w http.ResponseWriter, r *http.Request, fixed epiloop.SourceKind) (*intake.Reader, string, intake.Options, error) {
	var opts intake.Options
	regions, err := s.Service.RegionIndex()
	if err != nil {
		return nil, "", opts, err
	}
	// A large file on a slow link takes longer than the server's read
	// time-out allows a request.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(15 * time.Minute))
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", opts, epiloop.Errorf(epiloop.EINVALID, "err.send_file_as_multipart_form")
	}
	var tmp string
	fail := func(err error) (*intake.Reader, string, intake.Options, error) {
		if tmp != "" {
			os.Remove(tmp)
		}
		return nil, "", opts, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			var big *http.MaxBytesError
			if errors.As(err, &big) {
				return fail(epiloop.Errorf(epiloop.EINVALID, "err.file_too_large_at_most", MaxUploadBytes>>20))
			}
			return fail(epiloop.Errorf(epiloop.EINVALID, "err.upload_could_not_read"))
		}
		switch part.FormName() {
		case "file":
			if tmp != "" {
				return fail(epiloop.FieldError("file", "err.send_one_file"))
			}
			opts.File = filepath.Base(part.FileName())
			if tmp, err = saveTemp(part); err != nil {
				var big *http.MaxBytesError
				switch {
				case errors.As(err, &big):
					return fail(epiloop.Errorf(epiloop.EINVALID, "err.file_too_large_at_most", MaxUploadBytes>>20))
				case errors.Is(err, errTemp):
					return fail(err)
				}
				// A body cut short or malformed: the client's fault.
				return fail(epiloop.FieldError("file", "err.upload_was_cut_short_or"))
			}
		case "source", "ref", "sheet":
			if fixed != "" && part.FormName() == "source" {
				return fail(epiloop.FieldError(part.FormName(), "err.unknown_form_field"))
			}
			v, err := formValue(part)
			if err != nil {
				return fail(err)
			}
			switch part.FormName() {
			case "source":
				opts.Source = epiloop.SourceKind(v)
			case "ref":
				opts.Ref = v
			case "sheet":
				opts.Sheet = v
			}
		default:
			return fail(epiloop.FieldError(part.FormName(), "err.unknown_form_field"))
		}
	}
	if tmp == "" {
		return fail(epiloop.FieldError("file", "err.file_required"))
	}
	if fixed != "" {
		opts.Source = fixed
	}
	if !opts.Source.Valid() {
		return fail(epiloop.InvalidSource("source"))
	}
	opts.Regions = regions
	rd, err := intake.OpenFile(tmp, opts)
	if err != nil {
		return fail(err)
	}
	return rd, tmp, opts, nil
}

// errTemp marks a failure of the server's own temporary storage.
var errTemp = errors.New("http: temporary upload file")

func saveTemp(part *multipart.Part) (string, error) {
	f, err := os.CreateTemp("", "epiloop-upload-*")
	if err != nil {
		return "", fmt.Errorf("%w: %w", errTemp, err)
	}
	if _, err := io.Copy(f, part); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), f.Close()
}

func formValue(part *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, 1001))
	if err != nil || len(b) > 1000 {
		return "", epiloop.FieldError(part.FormName(), "err.value_too_long")
	}
	return strings.TrimSpace(string(b)), nil
}

// handleImportCreate starts an import in the background and answers 202
// with its id; the same content imported before answers 200 with it.
func (s *Server) handleImportCreate(w http.ResponseWriter, r *http.Request) error {
	rd, tmp, opts, err := s.upload(w, r)
	if err != nil {
		return err
	}
	info := rd.Info()
	lopts := loop.ImportOptions{
		Name: opts.File, Fingerprint: info.SHA256, Source: opts.Source, Ref: opts.Ref,
		Format: string(info.Format), Encoding: string(info.Encoding), Headers: info.Headers(),
	}
	im, done, err := s.Service.StartImport(r.Context(), lopts)
	if err != nil || done {
		rd.Close()
		os.Remove(tmp)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, importResponse{Import: im})
		return nil
	}
	if err := s.runImportInBackground(epiloop.UserFromContext(r.Context()), im, rd, tmp, lopts); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, s.importJSON(im))
	return nil
}

// handleImportPreview reads the head of a file and answers what the
// import would see — format, encoding, sheet, the column mapping — and
// the first rows' verdicts, without writing anything.
func (s *Server) handleImportPreview(w http.ResponseWriter, r *http.Request) error {
	rd, tmp, _, err := s.upload(w, r)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	defer rd.Close()
	type previewRow struct {
		Line   int    `json:"line"`
		Valid  bool   `json:"valid"`
		Reason string `json:"reason,omitempty"`
		// Warnings are the codes of a valid row's fields kept as written.
		Warnings []string `json:"warnings,omitempty"`
	}
	out := struct {
		Info intake.Info  `json:"info"`
		Rows []previewRow `json:"rows"`
	}{Info: rd.Info(), Rows: []previewRow{}}
	for len(out.Rows) < 20 {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return epiloop.Errorf(epiloop.EINVALID, "err.file_could_not_read")
		}
		pr := previewRow{Line: row.Line, Valid: row.Valid()}
		if !row.Valid() {
			pr.Reason = row.Reject.Code
		}
		for _, w := range row.Warnings {
			pr.Warnings = append(pr.Warnings, w.Code)
		}
		out.Rows = append(out.Rows, pr)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// runImportInBackground runs a started import as u on the server's
// context (loop's job: progress, the file's ownership, cancellation).
func (s *Server) runImportInBackground(u *epiloop.User, im *epiloop.Import, rd *intake.Reader, path string, lopts loop.ImportOptions) error {
	return s.Service.RunImportInBackground(epiloop.NewContextWithUser(s.baseCtx, u), im, rd, path, lopts)
}

func (s *Server) importJSON(im *epiloop.Import) importResponse {
	return importResponse{Import: im, Progress: s.Service.ImportProgressOf(im)}
}

func (s *Server) handleImportView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, err := s.Service.FindImport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.importJSON(im))
	return nil
}

// handleImportRejects streams the rejects report in the input's format
// (?format=csv|xlsx to choose, ?lang=en for English): the rejects, then
// the accepted rows' warnings in a section (CSV) or sheet (XLSX) of their
// own.
func (s *Server) handleImportRejects(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, err := s.Service.FindImport(r.Context(), id)
	if err != nil {
		return err
	}
	return s.writeRejects(w, r, im)
}

// writeRejects streams an import's rejects report (handleImportRejects).
func (s *Server) writeRejects(w http.ResponseWriter, r *http.Request, im *epiloop.Import) error {
	format := intake.Format(im.Format)
	if f := r.URL.Query().Get("format"); f != "" {
		format = intake.Format(f)
	}
	ext, ctype := ".csv", "text/csv; charset=utf-8"
	switch format {
	case intake.FormatCSV:
	case intake.FormatXLSX:
		ext, ctype = ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		return epiloop.FieldError("format", "err.format_must_csv_or_xlsx")
	}
	lang := "zh"
	if r.URL.Query().Get("lang") == "en" {
		lang = "en"
	}
	// Render fully before writing, so an error is still a JSON answer.
	var buf strings.Builder
	rw, err := intake.NewRejectWriter(&buf, format, im.Headers, lang)
	if err != nil {
		return err
	}
	err = s.Service.EachImportReject(r.Context(), im.ID, func(rej epiloop.ImportReject) error {
		return rw.Write(intake.RejectRow(rej))
	})
	if err == nil {
		err = s.Service.EachImportWarning(r.Context(), im.ID, rw.WriteWarning)
	}
	if err == nil {
		err = rw.Close()
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="import-%d-rejects%s"`, im.ID, ext))
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, buf.String())
	return nil
}
