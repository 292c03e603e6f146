package loop_test

import (
	"context"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// TestFindAPerson: a person is found by full ID number, mobile number or
// full name (however spaced or written in full-width forms), with the
// list's filters, among the leads the caller may read only; a malformed ID
// number is refused with its specific reason; the read is audited with the
// query's kind, never its text.
func TestFindAPerson(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		f.closeWith(id1, epiloop.Reason{}, home) // 张三, 13800138000
		_, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{
			Person:  epiloop.Person{Name: "欧阳娜娜", Phone: "13912345678"},
			Address: addrHome, Source: epiloop.Source{Kind: epiloop.SourceHotline},
		}))
		if err != nil {
			t.Fatal(err)
		}
		f.lead(id2, addrNowhere, epiloop.Reason{}) // 张三 again, another person (another ID number), unroutable
		ids := func(ls []*epiloop.Lead) []int64 {
			var out []int64
			for _, l := range ls {
				out = append(out, l.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			ctx  context.Context
			q    string
			f    epiloop.LeadFilter
			want int
		}{
			{"by ID number", commander, id1, epiloop.LeadFilter{}, 1},
			{"by ID number, lower-case x and spaces", commander, " 110105 19491231 002x ", epiloop.LeadFilter{}, 1},
			{"by phone, +86 and dashes", commander, "+86 139-1234-5678", epiloop.LeadFilter{}, 1},
			{"by name", commander, "欧阳娜娜", epiloop.LeadFilter{}, 1},
			{"by name, full-width and spaced", commander, "欧阳 娜娜", epiloop.LeadFilter{}, 1},
			{"by a name two persons share", commander, "张三", epiloop.LeadFilter{}, 2},
			{"a name shared, filtered by community", commander, "张三", epiloop.LeadFilter{Community: ptr(shuiyuandi)}, 1},
			{"not by part of a name", commander, "欧阳", epiloop.LeadFilter{}, 0},
			{"the district commander of the lead's district", as(epiloop.RoleDistrict, "SC"+heping), "欧阳娜娜", epiloop.LeadFilter{}, 1},
			{"another district's commander", as(epiloop.RoleDistrict, "SC210103"), "欧阳娜娜", epiloop.LeadFilter{}, 0},
			{"the unit holding the task", station, "13912345678", epiloop.LeadFilter{}, 1},
			{"another station", as(epiloop.RoleStation, "PS210103001"), "13912345678", epiloop.LeadFilter{}, 0},
		} {
			leads, total, err := f.svc.SearchLeads(tc.ctx, tc.q, tc.f)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if total != tc.want || len(leads) != tc.want {
				t.Errorf("%s: %d (%d) leads %v, want %d", tc.name, total, len(leads), ids(leads), tc.want)
			}
			for _, l := range leads {
				if strings.Contains(l.Person.IDNumber, "19491231") || strings.Contains(l.Person.Phone, "1234") {
					t.Errorf("%s: identity not masked: %s %s", tc.name, l.Person.IDNumber, l.Person.Phone)
				}
			}
		}
		for q, field := range map[string]string{"11010519491231002Y": "q", "110105194912310021": "q", "": "q", "1": "q", "张": "q"} {
			if _, _, err := f.svc.SearchLeads(commander, q, epiloop.LeadFilter{}); epiloop.ErrorField(err) != field {
				t.Errorf("query %q: %v, want an error on %s", q, err, field)
			}
		}
		if _, _, err := f.svc.SearchLeads(commander, "110105194912310021", epiloop.LeadFilter{}); epiloop.ErrorReason(err) != epiloop.ReasonIDChecksum {
			t.Errorf("a wrong check character: %v, want the checksum reason", err)
		}
		if _, _, err := f.svc.SearchLeads(as(epiloop.RoleAnalyst, ""), "张三", epiloop.LeadFilter{}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("an analyst's search: %v, want forbidden", err)
		}
		read := epiloop.AuditRead
		entries, _, err := f.svc.FindAudit(as(epiloop.RoleAuditor, ""), epiloop.AuditFilter{Action: &read, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range entries {
			if strings.HasPrefix(e.Object, "leads:search:") {
				kinds[strings.TrimPrefix(e.Object, "leads:search:")]++
			}
			for _, secret := range []string{"欧阳", "张三", "13912345678", id1, "19491231"} {
				if strings.Contains(e.Object+e.Detail+e.Purpose, secret) {
					t.Errorf("audit entry %d holds the query: %s %s", e.ID, e.Object, e.Detail)
				}
			}
		}
		if kinds["name"] < 6 || kinds["id"] < 2 || kinds["phone"] < 3 {
			t.Errorf("searches audited by kind: %v", kinds)
		}
	})
}
