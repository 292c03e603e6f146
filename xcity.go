package epiloop

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"
)

// The hand-over between cities (协查). A lead whose two units agree the
// person left for another city is handed to that city: when it runs an
// epiloop peer, as a message signed by this instance and sealed for that
// one; otherwise as a printable letter of assistance (协查函). The
// receiving city accepts (a lead of source city, verified by its own
// double push) or refuses (with a reason), and the result of its lead
// travels back to close the loop on the sending lead.

// XCityKind is the kind of a message between cities.
type XCityKind string

const (
	// XCityHandOver hands a person over: identity, reason, destination.
	XCityHandOver XCityKind = "handover"
	// XCityAccept says the receiving city took the hand-over on.
	XCityAccept XCityKind = "accept"
	// XCityRefuse says it refused, with a reason.
	XCityRefuse XCityKind = "refuse"
	// XCityResultKind carries the receiving city's closed outcome.
	XCityResultKind XCityKind = "result"
)

// Valid reports whether k is a known kind.
func (k XCityKind) Valid() bool {
	return k == XCityHandOver || k == XCityAccept || k == XCityRefuse || k == XCityResultKind
}

// XCityWindow is how far a message's time may lie from the receiver's
// clock: older (or further ahead) is refused as a replay.
const XCityWindow = 10 * time.Minute

// XCityHeader is what the receiver reads before it opens anything: who
// sent what to whom, and when. The signature covers it with the sealed
// body.
type XCityHeader struct {
	Version int       `json:"v"`
	Kind    XCityKind `json:"kind"`
	// ID is the message's id, unique at the sender: the receiver acts on
	// one id once.
	ID string `json:"id"`
	// Ref is, in a reply (accept, refuse, result), the id of the
	// hand-over message it answers.
	Ref  string    `json:"ref,omitempty"`
	From string    `json:"from"`
	To   string    `json:"to"`
	Sent time.Time `json:"sent"`
}

// XCityBody is the sealed content: the minimum the receiving city needs,
// nothing else.
type XCityBody struct {
	// Person, Reason, Destination and Lead (the sending lead's id) are
	// those of a hand-over.
	Person      *Person `json:"person,omitempty"`
	Reason      *Reason `json:"reason,omitempty"`
	Destination string  `json:"destination,omitempty"`
	Lead        int64   `json:"lead,omitempty"`
	// Refusal is a refusal's reason.
	Refusal string `json:"refusal,omitempty"`
	// Result is the receiving city's closed outcome.
	Result *XCityResult `json:"result,omitempty"`
}

// XCityResult is what the receiving city found: whether and where the
// person was located, the measure taken, how the outcome was reached and
// when its lead closed.
type XCityResult struct {
	Located    Located   `json:"located"`
	Measure    Measure   `json:"measure,omitempty"`
	Resolution string    `json:"resolution,omitempty"`
	ClosedAt   time.Time `json:"closed_at"`
}

// ResultOf is the result of a closed lead's outcome.
func ResultOf(l *Lead) *XCityResult {
	r := &XCityResult{}
	if l.Outcome != nil {
		r.Located, r.Measure, r.Resolution = l.Outcome.Located, l.Outcome.Measure, l.Outcome.Resolution
	}
	if l.ClosedAt != nil {
		r.ClosedAt = *l.ClosedAt
	}
	return r
}

// Envelope is a message on the wire: the header's exact bytes, the sealed
// body and the sender's signature over both, each in base64.
type Envelope struct {
	Header string `json:"header"`
	Sealed string `json:"sealed"`
	Sig    string `json:"sig"`
}

// sealInfo binds the sealed body to its message: opened under another
// id, kind or pair of cities it does not open.
func sealInfo(h XCityHeader) []byte {
	return []byte("epiloop-xcity-v1|" + string(h.Kind) + "|" + h.ID + "|" + h.Ref + "|" + h.From + "|" + h.To)
}

// SealXCity seals body for the receiver's X25519 key: an ephemeral key
// agreed with it, HKDF-SHA256 to an AES-256-GCM key. The result is the
// ephemeral public key, the nonce and the ciphertext.
func SealXCity(h XCityHeader, body XCityBody, to *ecdh.PublicKey) ([]byte, error) {
	plain, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	gcm, err := xcityAEAD(eph, to, eph.PublicKey().Bytes())
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append(append([]byte{}, eph.PublicKey().Bytes()...), nonce...)
	return gcm.Seal(out, nonce, plain, sealInfo(h)), nil
}

// xcityAEAD derives the message key from an X25519 agreement.
func xcityAEAD(priv *ecdh.PrivateKey, pub *ecdh.PublicKey, ephPub []byte) (cipher.AEAD, error) {
	shared, err := priv.ECDH(pub)
	if err != nil {
		return nil, err
	}
	key, err := hkdf.Key(sha256.New, shared, ephPub, "epiloop xcity v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// OpenXCity opens a body sealed for k.
func OpenXCity(h XCityHeader, sealed []byte, k *ecdh.PrivateKey) (*XCityBody, error) {
	if len(sealed) < 32+12+16 {
		return nil, errors.New("xcity: sealed body too short")
	}
	eph, err := ecdh.X25519().NewPublicKey(sealed[:32])
	if err != nil {
		return nil, err
	}
	gcm, err := xcityAEAD(k, eph, sealed[:32])
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, sealed[32:32+12], sealed[32+12:], sealInfo(h))
	if err != nil {
		return nil, errors.New("xcity: body does not open")
	}
	var b XCityBody
	if err := json.Unmarshal(plain, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// xcitySigned is what the signature covers: the header's bytes, a zero byte,
// the sealed bytes.
func xcitySigned(header, sealed []byte) []byte {
	return append(append(append([]byte{}, header...), 0), sealed...)
}

// SignXCity wraps a sealed body in an envelope signed with key, the
// header stamped now.
func SignXCity(h XCityHeader, sealed []byte, key ed25519.PrivateKey) (Envelope, error) {
	h.Version = 1
	hb, err := json.Marshal(h)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{
		Header: base64.StdEncoding.EncodeToString(hb),
		Sealed: base64.StdEncoding.EncodeToString(sealed),
		Sig:    base64.StdEncoding.EncodeToString(ed25519.Sign(key, xcitySigned(hb, sealed))),
	}, nil
}

// Refusals of a message, by reason: each is a 4xx, audited, naming no
// person.
const (
	XCityMalformed  = "malformed"
	XCityUnknown    = "unknown_peer"
	XCityNotForUs   = "not_for_us"
	XCityBadSig     = "bad_signature"
	XCityStale      = "stale"
	XCityReplay     = "replay"
	XCityUnopenable = "unopenable"
	XCityNoSuchRef  = "unknown_ref"
)

// XCityRefusal is the caller-safe error of a refused message.
func XCityRefusal(reason string) error {
	code := EFORBIDDEN
	switch reason {
	case XCityMalformed:
		code = EINVALID
	case XCityStale, XCityReplay, XCityNoSuchRef:
		code = ECONFLICT
	}
	return &Error{Code: code, Key: xcityRefusalKeys[reason], Reason: reason}
}

// xcityRefusalKeys are the refusals' messages.
var xcityRefusalKeys = map[string]string{
	XCityMalformed:  "err.xcity_malformed",
	XCityUnknown:    "err.xcity_unknown_peer",
	XCityNotForUs:   "err.xcity_not_for_us",
	XCityBadSig:     "err.xcity_bad_signature",
	XCityStale:      "err.xcity_stale",
	XCityReplay:     "err.xcity_replay",
	XCityUnopenable: "err.xcity_unopenable",
	XCityNoSuchRef:  "err.xcity_unknown_ref",
}

// ParsedEnvelope is an envelope decoded but not yet trusted.
type ParsedEnvelope struct {
	Header      XCityHeader
	headerBytes []byte
	Sealed      []byte
	sig         []byte
}

// ParseEnvelope decodes an envelope and its header; it trusts nothing.
func ParseEnvelope(raw []byte) (*ParsedEnvelope, error) {
	var e Envelope
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, XCityRefusal(XCityMalformed)
	}
	p := &ParsedEnvelope{}
	var err1, err2, err3 error
	p.headerBytes, err1 = base64.StdEncoding.DecodeString(e.Header)
	p.Sealed, err2 = base64.StdEncoding.DecodeString(e.Sealed)
	p.sig, err3 = base64.StdEncoding.DecodeString(e.Sig)
	if err1 != nil || err2 != nil || err3 != nil || len(p.sig) != ed25519.SignatureSize {
		return nil, XCityRefusal(XCityMalformed)
	}
	h := &p.Header
	if json.Unmarshal(p.headerBytes, h) != nil || h.Version != 1 || !h.Kind.Valid() ||
		h.ID == "" || len(h.ID) > 64 || len(h.Ref) > 64 || !ValidCityCode(h.From) || !ValidCityCode(h.To) ||
		(h.Kind != XCityHandOver) != (h.Ref != "") {
		return nil, XCityRefusal(XCityMalformed)
	}
	return p, nil
}

// Verify checks the signature with the sender's key.
func (p *ParsedEnvelope) Verify(key ed25519.PublicKey) error {
	if !ed25519.Verify(key, xcitySigned(p.headerBytes, p.Sealed), p.sig) {
		return XCityRefusal(XCityBadSig)
	}
	return nil
}

// Fresh checks the message's time against now and XCityWindow.
func (p *ParsedEnvelope) Fresh(now time.Time) error {
	if d := now.Sub(p.Header.Sent); d > XCityWindow || d < -XCityWindow {
		return XCityRefusal(XCityStale)
	}
	return nil
}

// Fingerprint identifies this very envelope (its signature): the same
// bytes arriving again are a replay, while a redelivery of the same
// message id is signed anew.
func (p *ParsedEnvelope) Fingerprint() string {
	s := sha256.Sum256(p.sig)
	return hex.EncodeToString(s[:16])
}

// NewMessageID returns a random message id.
func NewMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Hand-over records. Each hand-over is one row on each side: outgoing at
// the sender (its lead, its state), incoming at the receiver.

// XCityDirection tells an outgoing hand-over from an incoming one.
type XCityDirection string

const (
	XCityOut XCityDirection = "out"
	XCityIn  XCityDirection = "in"
)

// XCityState is where a hand-over stands.
type XCityState string

const (
	// XCityPending: queued for the peer, not yet delivered.
	XCityPending XCityState = "pending"
	// XCitySent: the peer acknowledged receipt.
	XCitySent XCityState = "sent"
	// XCityReceived: arrived from a peer, waiting for a commander.
	XCityReceived XCityState = "received"
	XCityAccepted XCityState = "accepted"
	XCityRefused  XCityState = "refused"
	// XCityCompleted: the receiving city's result is in (sent back, or
	// attached to the sending lead).
	XCityCompleted XCityState = "completed"
	// XCityLetter: no peer runs in the destination city: a letter of
	// assistance (协查函) is printed instead.
	XCityLetter XCityState = "letter"
)

// XCityStates lists the states in the order the queue shows them.
var XCityStates = []XCityState{XCityReceived, XCityPending, XCitySent, XCityAccepted, XCityRefused, XCityCompleted, XCityLetter}

// xcityTransitions are the moves of each direction. A reply may overtake
// the sender's own record of delivery (a sender stopped after posting),
// so an outgoing hand-over moves from pending to any answer.
var xcityTransitions = map[XCityDirection]map[XCityState][]XCityState{
	XCityOut: {
		XCityPending:  {XCitySent, XCityAccepted, XCityRefused, XCityCompleted},
		XCitySent:     {XCityAccepted, XCityRefused, XCityCompleted},
		XCityAccepted: {XCityCompleted},
	},
	XCityIn: {
		XCityReceived: {XCityAccepted, XCityRefused},
		XCityAccepted: {XCityCompleted},
	},
}

// XCityHandover is one hand-over on one side. Person, Reason and
// Destination are personal data: sealed at rest, masked in lists.
type XCityHandover struct {
	ID        int64          `json:"id"`
	Direction XCityDirection `json:"direction"`
	// MessageID is the hand-over message's id (the sender's).
	MessageID string     `json:"message_id"`
	PeerCity  string     `json:"peer_city"`
	State     XCityState `json:"state"`
	// LeadID is the local lead: the sending lead out, the lead accepting
	// created in.
	LeadID int64 `json:"lead_id,omitempty"`
	// RemoteLead is the sending city's lead id (in).
	RemoteLead   int64  `json:"remote_lead,omitempty"`
	DistrictCode string `json:"district,omitempty"`
	Person       Person `json:"person"`
	Reason       Reason `json:"reason"`
	Destination  string `json:"destination"`
	Refusal      string `json:"refusal,omitempty"`
	// Result is the receiving city's outcome, once in.
	Result    *XCityResult `json:"result,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// Move changes the hand-over's state if its direction allows it.
func (h *XCityHandover) Move(to XCityState) error {
	if !slices.Contains(xcityTransitions[h.Direction][h.State], to) {
		return Errorf(ECONFLICT, "err.xcity_cannot_move", M("xcity.state."+string(h.State)), M("xcity.state."+string(to)))
	}
	h.State = to
	return nil
}

// XCityEnded are the states in which a hand-over waits on no one (in
// either direction): retention blanks its personal data.
var XCityEnded = []XCityState{XCityRefused, XCityCompleted, XCityLetter}

// Open reports whether the hand-over still waits on someone.
func (h *XCityHandover) Open() bool {
	return len(xcityTransitions[h.Direction][h.State]) > 0
}

// LetterNumber is the number printed on a hand-over's letter of
// assistance: the sending city, the year, the record.
func (h *XCityHandover) LetterNumber(city string) string {
	return "协查〔" + strconv.Itoa(h.CreatedAt.Year()) + "〕" + city + "-" + strconv.FormatInt(h.ID, 10) + "号"
}

// Masked is the hand-over as a list shows it.
func (h XCityHandover) Masked() XCityHandover {
	h.Person = h.Person.Masked()
	return h
}

// XCityFilter selects hand-overs; District, when set, narrows to one
// district (a district commander's).
type XCityFilter struct {
	Direction *XCityDirection
	State     *XCityState
	District  *string
	Offset    int
	Limit     int
}

// XCityVisible reports whether u may see h: city-wide readers all, a
// district commander those of the district.
func XCityVisible(u *User, h *XCityHandover) bool {
	if !u.Can(ActReadXCity) {
		return false
	}
	return inScope(u.Scope(), h.DistrictCode, func(string) bool { return false })
}

// XCityMessage is one message of the outbox: sealed for its peer when
// queued, signed anew at each attempt.
type XCityMessage struct {
	ID         int64     `json:"id"`
	HandoverID int64     `json:"handover_id"`
	MessageID  string    `json:"message_id"`
	Kind       XCityKind `json:"kind"`
	Ref        string    `json:"ref,omitempty"`
	PeerCity   string    `json:"peer_city"`
	Sealed     []byte    `json:"-"`
	Attempts   int       `json:"attempts"`
	NextAt     time.Time `json:"next_at"`
	// ClaimedUntil is the lease of the replica sending it.
	ClaimedUntil *time.Time `json:"claimed_until,omitempty"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	// LastError is the last attempt's failure: an HTTP status or
	// "network", never a body.
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// XCityBackoff is the wait before attempt n+1 after n failed ones: 5 s
// doubling to at most an hour.
func XCityBackoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// XCityLease is how long a replica holds a message it is sending.
const XCityLease = time.Minute

// XCityCounts are the hand-over figures: hand-overs by direction and
// state.
type XCityCounts map[XCityDirection]map[XCityState]int

// Get returns one figure.
func (c XCityCounts) Get(d XCityDirection, s XCityState) int { return c[d][s] }

// Event kinds of the hand-over between cities (listed in EventKinds).
const (
	EventXCityQueued    = "xcity.queued"    // a message to a peer was queued
	EventXCityDelivered = "xcity.delivered" // the peer acknowledged a hand-over
	EventXCityReceived  = "xcity.received"  // a hand-over arrived from a peer
	EventXCityAccepted  = "xcity.accepted"  // the receiving city accepted
	EventXCityRefused   = "xcity.refused"   // the receiving city refused (reason)
	EventXCityResult    = "xcity.result"    // the receiving city's result (sent or attached)
	EventXCityLetter    = "xcity.letter"    // no peer: a letter of assistance is due
)
