package loop

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/epiloop/epiloop"
)

// Alias teaches the gazetteer a name for a community: a compound, a
// building, a road that lies wholly in it, a short form people use.
type Alias struct {
	Name      string
	Community string
}

// ParseAliases reads a gazetteer CSV: a header naming the alias column
// (alias, name, 名称, 小区, 地名) and the community column (community,
// community_code, 社区代码), then one alias per line. Errors name the line.
func ParseAliases(r io.Reader) ([]Alias, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, epiloop.Errorf(epiloop.EINVALID, "err.file_has_no_header_line")
	}
	nameCol, codeCol := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "alias", "name", "名称", "小区", "地名", "别名":
			nameCol = i
		case "community", "community_code", "社区代码", "社区编码", "code":
			codeCol = i
		}
	}
	if nameCol < 0 || codeCol < 0 {
		return nil, epiloop.Errorf(epiloop.EINVALID, "err.header_must_name_alias_column")
	}
	var out []Alias
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, epiloop.Errorf(epiloop.EINVALID, "err.line_0_not_valid_csv", line)
		}
		if len(rec) <= max(nameCol, codeCol) {
			return nil, epiloop.Errorf(epiloop.EINVALID, "err.line_0_too_few_columns", line)
		}
		a := Alias{Name: epiloop.NormalizeSpace(rec[nameCol]), Community: strings.TrimSpace(rec[codeCol])}
		if a.Name == "" && a.Community == "" {
			continue
		}
		out = append(out, a)
	}
}

// AddAliases teaches the gazetteer names, all or nothing, and reloads it.
// Admins and commanders may.
func (s *Service) AddAliases(ctx context.Context, as []Alias) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if !u.Can(epiloop.ActTeach) {
		return forbidden()
	}
	s.mu.RLock()
	known := s.communities
	s.mu.RUnlock()
	for i, a := range as {
		if _, ok := known[a.Community]; !ok {
			return epiloop.Errorf(epiloop.EINVALID, "err.entry_0_unknown_community_code", i+1)
		}
		if len([]rune(strings.ReplaceAll(a.Name, " ", ""))) < 2 || len(a.Name) > 200 {
			return epiloop.Errorf(epiloop.EINVALID, "err.entry_0_alias_needs_2", i+1)
		}
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		for _, a := range as {
			if err := tx.AddAlias(a.Name, a.Community); err != nil {
				return err
			}
		}
		return s.audit(tx, u, epiloop.AuditAdmin, "gazetteer", fmt.Sprintf("%d aliases", len(as)))
	})
	if err != nil {
		return err
	}
	return s.LoadGazetteer(ctx)
}
