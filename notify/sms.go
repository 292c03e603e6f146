package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"text/template"
	"time"

	"github.com/epiloop/epiloop"
)

// SMS sends a notice's short text through a generic HTTP SMS gateway: a
// URL, a method and a body template (text/template over SMSMessage; the
// json function quotes a string for a JSON body), with an optional header
// for the gateway's credentials. The text is made from codes only.
type SMS struct {
	URL    string
	Method string
	Body   *template.Template
	// Header is added to every request ("Authorization: Bearer …").
	HeaderName, HeaderValue string
	ContentType             string
	// Lang is the catalogue language of the text (Chinese by default).
	Lang    string
	Client  *http.Client
	Timeout time.Duration
}

// SMSMessage is what the body template sees.
type SMSMessage struct {
	To   string
	Text string
	Key  string
}

// DefaultSMSTemplate is a JSON body most gateways take with little change.
const DefaultSMSTemplate = `{"to":{{json .To}},"text":{{json .Text}},"id":{{json .Key}}}`

// ParseSMSTemplate parses a body template, with the json function.
func ParseSMSTemplate(s string) (*template.Template, error) {
	if s == "" {
		s = DefaultSMSTemplate
	}
	return template.New("sms").Funcs(template.FuncMap{"json": func(v string) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	}}).Parse(s)
}

// Text returns the SMS text of n in lang.
func Text(n *epiloop.Notice, lang string) string {
	m := n.Payload.Text()
	return epiloop.T(lang, m.Key, m.Params...)
}

// Send sends n's text to its address (the duty desk's number).
func (s *SMS) Send(ctx context.Context, n *epiloop.Notice) (int, error) {
	lang := s.Lang
	if lang == "" {
		lang = epiloop.LangZH
	}
	var body bytes.Buffer
	if err := s.Body.Execute(&body, SMSMessage{To: n.Address, Text: Text(n, lang), Key: n.Key}); err != nil {
		return 0, &Permanent{}
	}
	method := strings.ToUpper(s.Method)
	if method == "" {
		method = http.MethodPost
	}
	ctx, cancel := context.WithTimeout(ctx, timeout(s.Timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL, &body)
	if err != nil {
		return 0, &Permanent{}
	}
	ct := s.ContentType
	if ct == "" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set(HeaderIdempotency, n.Key)
	if s.HeaderName != "" {
		req.Header.Set(s.HeaderName, s.HeaderValue)
	}
	return do(client(s.Client), req)
}
