package epiloop

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"
)

// Peers are the other cities' epiloop instances this one hands leads over
// to (协查). Each is known by its city's 6-digit division code, the base
// URL of its API and its public key, exchanged out of band between the
// two headquarters: an Ed25519 key its messages are verified with, and an
// X25519 key messages for it are sealed to. The public key is given and
// taken as one base64 string (PeerKey), the two keys side by side.

// PeerKeyBytes is the length of a peer's public key: Ed25519 then X25519.
const PeerKeyBytes = ed25519.PublicKeySize + 32

// Peer is another city's instance.
type Peer struct {
	City string `json:"city"`
	// Name is the city's name, from the divisions (大连市).
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"created_at"`
}

// ValidCityCode reports whether code is a prefecture-level division code
// (six digits, a city's: 210200) or a municipality's (110000).
func ValidCityCode(code string) bool {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return false
	}
	return code[4:] == "00" && code[:2] != "00" && code[2:4] != "00" || code[2:] == "0000" && MunicipalityCodes[code[:2]]
}

// Validate checks a peer's city code, URL and key.
func (p *Peer) Validate() error {
	p.URL = strings.TrimRight(strings.TrimSpace(p.URL), "/")
	p.Key = strings.TrimSpace(p.Key)
	if !ValidCityCode(p.City) {
		return FieldError("city", "err.xcity_city_code")
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(p.URL) > 500 {
		return FieldError("url", "err.xcity_peer_url")
	}
	if _, _, err := ParsePeerKey(p.Key); err != nil {
		return FieldError("key", "err.xcity_peer_key", PeerKeyBytes)
	}
	return nil
}

// ParsePeerKey splits a peer's public key into its signature and sealing
// keys.
func ParsePeerKey(s string) (ed25519.PublicKey, *ecdh.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != PeerKeyBytes {
		return nil, nil, errors.New("peer key: not a base64 key of the right length")
	}
	seal, err := ecdh.X25519().NewPublicKey(b[ed25519.PublicKeySize:])
	if err != nil {
		return nil, nil, err
	}
	return ed25519.PublicKey(b[:ed25519.PublicKeySize]), seal, nil
}

// CityKeys is this instance's own key pair for the hand-over between
// cities: it signs what it sends and opens what is sealed for it. It is
// kept in a file beside the data key file (never in the database).
type CityKeys struct {
	Sign ed25519.PrivateKey
	Seal *ecdh.PrivateKey
}

// NewCityKeys generates a key pair.
func NewCityKeys() (*CityKeys, error) {
	_, sign, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	seal, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &CityKeys{Sign: sign, Seal: seal}, nil
}

// PublicKey is the key to give the other cities (their `epiloop peer add
// --key`).
func (k *CityKeys) PublicKey() string {
	b := append([]byte{}, k.Sign.Public().(ed25519.PublicKey)...)
	return base64.StdEncoding.EncodeToString(append(b, k.Seal.PublicKey().Bytes()...))
}

type cityKeysFile struct {
	Version int    `json:"version"`
	Sign    string `json:"ed25519_seed"`
	Seal    string `json:"x25519"`
}

// MarshalCityKeys is the key file's content.
func MarshalCityKeys(k *CityKeys) ([]byte, error) {
	return json.MarshalIndent(cityKeysFile{Version: 1,
		Sign: base64.StdEncoding.EncodeToString(k.Sign.Seed()),
		Seal: base64.StdEncoding.EncodeToString(k.Seal.Bytes())}, "", "  ")
}

// ParseCityKeys reads a key file's content.
func ParseCityKeys(b []byte) (*CityKeys, error) {
	var f cityKeysFile
	if err := json.Unmarshal(b, &f); err != nil || f.Version != 1 {
		return nil, errors.New("city key file: not an epiloop city key file")
	}
	seed, err := base64.StdEncoding.DecodeString(f.Sign)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("city key file: bad signing key")
	}
	sb, err := base64.StdEncoding.DecodeString(f.Seal)
	if err != nil {
		return nil, errors.New("city key file: bad sealing key")
	}
	seal, err := ecdh.X25519().NewPrivateKey(sb)
	if err != nil {
		return nil, errors.New("city key file: bad sealing key")
	}
	return &CityKeys{Sign: ed25519.NewKeyFromSeed(seed), Seal: seal}, nil
}

// CityOfAddress finds the city an address lies in from its leading names
// (大连市中山区… → 210200, 辽宁省大连市… → 210200, 北京市朝阳区… →
// 110000): lookup resolves a name to a division code of 2 (province), 4
// (city) or 6 digits. It returns the 6-digit code, or "" when the address
// names no city.
func CityOfAddress(addr string, lookup func(name string) (code string, ok bool)) string {
	rs := []rune(strings.TrimSpace(addr))
	best := ""
	for i := 1; i <= len(rs) && i <= 16; i++ {
		switch rs[i-1] {
		case '市', '州', '盟', '省':
		default:
			continue
		}
		code, ok := lookup(string(rs[:i]))
		if !ok {
			continue
		}
		switch {
		case len(code) >= 4 && code[2:4] != "00":
			return code[:4] + "00"
		case len(code) == 2 || len(code) == 6 && code[2:] == "0000":
			best = code[:2] + "0000"
		}
	}
	if best != "" && MunicipalityCodes[best[:2]] {
		return best
	}
	return ""
}

// MunicipalityCodes are the provinces that are one city (直辖市): Beijing,
// Tianjin, Shanghai, Chongqing.
var MunicipalityCodes = map[string]bool{"11": true, "12": true, "31": true, "50": true}
