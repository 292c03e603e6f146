package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
)

// Headers of a webhook delivery.
const (
	HeaderSignature   = "X-Epiloop-Signature"
	HeaderTimestamp   = "X-Epiloop-Timestamp"
	HeaderIdempotency = "Idempotency-Key"
)

// Webhook posts a notice as JSON to its address, signed with a shared
// secret: X-Epiloop-Signature is "sha256=" and the hex HMAC-SHA256 of the
// body.
type Webhook struct {
	Secret  []byte
	Client  *http.Client
	Timeout time.Duration
	Clock   epiloop.Clock
}

// WebhookBody is what a webhook receives: the notice's codes and ids.
type WebhookBody struct {
	ID      int64                 `json:"id"`
	Kind    string                `json:"kind"`
	Key     string                `json:"idempotency_key"`
	Target  string                `json:"target"`
	UserID  int64                 `json:"user_id,omitempty"`
	Payload epiloop.NoticePayload `json:"payload"`
}

// Sign returns the signature header value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is body's under secret, in constant
// time: what a receiver does.
func Verify(secret, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

// Send posts n.
func (h *Webhook) Send(ctx context.Context, n *epiloop.Notice) (int, error) {
	body, err := json.Marshal(WebhookBody{ID: n.ID, Kind: n.Kind, Key: n.Key, Target: n.Target, UserID: n.UserID, Payload: n.Payload})
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout(h.Timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.Address, bytes.NewReader(body))
	if err != nil {
		return 0, &Permanent{}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderSignature, Sign(h.Secret, body))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(clockOf(h.Clock).Now().Unix(), 10))
	req.Header.Set(HeaderIdempotency, n.Key)
	return do(client(h.Client), req)
}

// do sends req and classifies the answer: 2xx delivered; a 4xx other than
// 408 and 429 refused for good; anything else worth another try.
func do(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return s, nil
	case s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests:
		return s, &Permanent{Status: s}
	default:
		return s, errRetry
	}
}

// errRetry is an answer worth another try (a 5xx, 408, 429, a 3xx).
var errRetry = errors.New("retry")

func timeout(d time.Duration) time.Duration {
	if d <= 0 {
		return 10 * time.Second
	}
	return d
}

func client(c *http.Client) *http.Client {
	if c == nil {
		return http.DefaultClient
	}
	return c
}

func clockOf(c epiloop.Clock) epiloop.Clock {
	if c == nil {
		return epiloop.SystemClock{}
	}
	return c
}
