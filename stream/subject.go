package stream

import (
	"strings"

	"github.com/epiloop/epiloop"
)

// SubjectRoot is the first token of every subject the publisher sends.
const SubjectRoot = "epiloop"

// NoDistrict is the district token of an event that belongs to no
// district (a risk area changed, a city-wide notice).
const NoDistrict = "city"

// Subject is the subject an event is published on, always five tokens:
//
//	epiloop.<city>.<aggregate>.<change>.<district>
//
// The kind keeps its dot ("lead.closed" is lead.closed), so a consumer
// can take every change of one aggregate (epiloop.2101.lead.*.*), one
// change everywhere (epiloop.2101.lead.closed.*) or one district
// (epiloop.2101.*.*.210102). A kind with no dot gets the change "_", one
// with more keeps its first dot and turns the others into "_", so the
// depth never changes; characters NATS gives a meaning (space, '*', '>')
// become "_" too. The district is the event's district code, or
// NoDistrict. Subjects hold codes only, never personal data.
func Subject(city string, e *epiloop.Event) string {
	aggregate, change, ok := strings.Cut(e.Kind, ".")
	if !ok {
		change = "_"
	}
	district := e.District
	if district == "" {
		district = NoDistrict
	}
	var b strings.Builder
	b.Grow(len(SubjectRoot) + len(city) + len(e.Kind) + len(district) + 4)
	b.WriteString(SubjectRoot)
	for _, t := range []string{city, aggregate, change, district} {
		b.WriteByte('.')
		writeToken(&b, t)
	}
	return b.String()
}

// StreamSubjects is the subject filter of a city's stream: every subject
// Subject gives for city.
func StreamSubjects(city string) string {
	var b strings.Builder
	b.WriteString(SubjectRoot + ".")
	writeToken(&b, city)
	b.WriteString(".>")
	return b.String()
}

// writeToken writes s as one subject token: the bytes NATS reserves or
// that would split or end the token become '_'; an empty token is "_".
func writeToken(b *strings.Builder, s string) {
	if s == "" {
		b.WriteByte('_')
		return
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.', c == '*', c == '>', c <= ' ', c == 0x7f:
			b.WriteByte('_')
		default:
			b.WriteByte(c)
		}
	}
}
