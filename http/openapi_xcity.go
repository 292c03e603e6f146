package http

import "maps"

// xcityAPIDocs documents the hand-over between cities' routes (xcity.go);
// merged into apiDocs at start.
var xcityAPIDocs = map[string]apiDoc{
	"POST /api/v1/xcity/messages":    {Tag: "xcity", Summary: "A peer city's signed, sealed message (hand-over, accept, refuse, result); no account: the Ed25519 signature of a known peer authenticates it. 200 {id, status: accepted|duplicate}; forged, misaddressed, stale or replayed messages are refused with a 4xx and audited (see docs/xcity.md)", Body: "{header, sealed, sig} (base64 each)"},
	"GET /api/v1/xcity":              {Tag: "xcity", Summary: "The 外地协查 queue of the caller's scope, identities masked (?direction=in|out&state=received|pending|sent|accepted|refused|completed|letter)"},
	"GET /api/v1/xcity/figures":      {Tag: "xcity", Summary: "The hand-over figures of the caller's scope: waiting, pending, accepted, refused, completed, letters"},
	"GET /api/v1/xcity/peers":        {Tag: "xcity", Summary: "The peer cities: city code, name, base URL, public key"},
	"GET /api/v1/xcity/{id}":         {Tag: "xcity", Summary: "One hand-over, masked, with its messages' delivery (attempts, next attempt, delivered)"},
	"POST /api/v1/xcity/{id}/accept": {Tag: "xcity", Summary: "Accept a hand-over from another city: a lead of source city is created and routed into this city's double push; the acceptance is sent back"},
	"POST /api/v1/xcity/{id}/refuse": {Tag: "xcity", Summary: "Refuse a hand-over from another city, with a reason sent back", Body: "{reason}"},
	"GET /api/v1/xcity/{id}/letter":  {Tag: "xcity", Summary: "The letter of assistance (协查函) of a hand-over to a city without a peer (or refused): the identity in full, audited (?format=xlsx for the workbook)"},
}

func init() { maps.Copy(apiDocs, xcityAPIDocs) }
