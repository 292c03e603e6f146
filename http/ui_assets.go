package http

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded file, fingerprinted by its content.
type asset struct {
	hash  string
	ctype string
	body  []byte
	gz    []byte
}

// assets are the embedded static files. Their URLs carry a content hash
// (/static/HASH/app.css), so they are cached for a year and a new build
// changes the URL.
type assets struct{ files map[string]*asset }

func mustLoadAssets() *assets {
	a := &assets{files: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		f := &asset{hash: hex.EncodeToString(sum[:6]), body: b, ctype: mime.TypeByExtension(path.Ext(p))}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		if ext := path.Ext(p); ext == ".js" || ext == ".css" || ext == ".txt" {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			f.gz = buf.Bytes()
		}
		a.files[strings.TrimPrefix(p, "static/")] = f
		return nil
	})
	if err != nil {
		panic(err)
	}
	return a
}

// url returns the fingerprinted URL of a static file; an unknown name
// stops template execution (and so the tests).
func (a *assets) url(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + f.hash + "/" + name, nil
}

// handleAsset serves a static file. A stale hash (a page from an older
// build) still gets the current file, but without the long cache.
func (ui *ui) handleAsset(w http.ResponseWriter, r *http.Request) {
	f, ok := ui.assets.files[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	if r.PathValue("hash") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	body := f.body
	if f.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// funcs are the template functions.
func (ui *ui) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":   ui.assets.url,
		"dutyref": dutyRefPath,
		"time":    fmtTime,
		"clock":   func(t any) string { return fmtLayout(t, "01-02 15:04") },
		"iso":     func(t any) string { return fmtLayout(t, time.RFC3339) },
		"pct":     pct,
		"add":     func(a, b int) int { return a + b },
		"sub":     func(a, b int) int { return a - b },
		"temp": func(t *float64) string {
			if t == nil {
				return ""
			}
			return fmt.Sprintf("%.1f", *t)
		},
		"fever":  func(t *float64) bool { return t != nil && *t >= epiloop.FeverThreshold },
		"dict":   dict,
		"total":  total,
		"navFor": navFor,
		"region": ui.regionName,
		"yuan":   epiloop.FormatYuan,
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"list": func(v ...string) []string { return v },
		// searchOf is the person search's query a page shows again in the
		// header's box (the lead list's, after a search).
		"searchOf": func(data any) string {
			if d, ok := data.(*leadListData); ok {
				return d.Search
			}
			return ""
		},
		// eventKinds are the kinds the live pages listen to, from the
		// domain's list (the script keeps no copy).
		"eventKinds": func() string { return strings.Join(epiloop.EventKindNames(), " ") },
	}
}

// regionName renders an origin code as "湖北省武汉市 (4201)"; anything else
// as it is.
func (ui *ui) regionName(code string) string {
	if x := ui.regions; x != nil {
		if n := x.FullName(code); n != "" {
			return n + " (" + code + ")"
		}
	}
	return code
}

func fmtTime(t any) string { return fmtLayout(t, "2006-01-02 15:04") }

// fmtLayout formats a time or *time.Time in Shenyang's wall clock; zero
// and nil are empty.
func fmtLayout(v any, layout string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	if t.IsZero() {
		return ""
	}
	return t.In(shanghai).Format(layout)
}

// pct renders part/whole as a whole percentage; "—" when whole is zero.
func pct(part, whole int64) string {
	if whole <= 0 {
		return "—"
	}
	return fmt.Sprintf("%d%%", (part*100+whole/2)/whole)
}

// dict builds a map from key, value pairs, for passing several values to a
// partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key, value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// dutyRefPath is the page of the object a duty item's Ref names, or ""
// for none.
func dutyRefPath(ref string) string {
	kind, key, ok := epiloop.ParseDutyRef(ref)
	if !ok {
		return ""
	}
	switch kind {
	case epiloop.RefPlace:
		return "/places/" + url.PathEscape(key)
	case epiloop.RefTicket:
		return "/desk/tickets/" + url.PathEscape(key)
	case epiloop.RefFacility:
		return "/detention/" + url.PathEscape(key)
	}
	return ""
}
