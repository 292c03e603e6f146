package intake

import (
	"bytes"
	"io"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestGenerateDeterministic(t *testing.T) {
	for _, opts := range []GenOptions{
		{Rows: 2000, Seed: 3, Noise: 0.2},
		{Rows: 2000, Seed: 3, Noise: 0.2, Encoding: EncodingGB18030},
		{Rows: 2000, Seed: 3, Noise: 0.2, Format: FormatXLSX},
	} {
		var a, b, c bytes.Buffer
		if _, err := Generate(&a, opts); err != nil {
			t.Fatal(err)
		}
		Generate(&b, opts)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%+v: two runs differ", opts)
		}
		opts.Seed++
		Generate(&c, opts)
		if bytes.Equal(a.Bytes(), c.Bytes()) {
			t.Errorf("%+v: another seed gives the same bytes", opts)
		}
	}
}

// TestGenerateReadsBack reads generated manifests in every format: without
// noise every row is good; with noise the reader rejects exactly the rows
// the generator made invalid, and the valid noise comes out normalised.
func TestGenerateReadsBack(t *testing.T) {
	for _, opts := range []GenOptions{
		{Rows: 5000, Seed: 11},
		{Rows: 5000, Seed: 11, Noise: 0.5},
		{Rows: 5000, Seed: 11, Noise: 0.5, Encoding: EncodingUTF8BOM},
		{Rows: 5000, Seed: 11, Noise: 0.5, Encoding: EncodingGB18030},
		{Rows: 5000, Seed: 11, Noise: 0.5, Format: FormatXLSX},
	} {
		var buf bytes.Buffer
		sum, err := Generate(&buf, opts)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rows != opts.Rows {
			t.Errorf("summary rows = %d", sum.Rows)
		}
		r := openBytes(t, buf.Bytes(), Options{Regions: testRegions()})
		rows := readAll(t, r)
		if len(rows) != opts.Rows {
			t.Fatalf("%+v: %d rows read", opts, len(rows))
		}
		rejected := 0
		ids := map[string]int{}
		for _, row := range rows {
			if !row.Valid() {
				rejected++
				continue
			}
			if row.Reason.Origin == "" || row.Reason.ArrivalDate == "" || row.Train == "" || row.Seat == "" || row.Sex == "" {
				t.Errorf("line %d incomplete: %+v", row.Line, row)
			}
			if Simplify(row.Person.Name) != row.Person.Name || Simplify(row.Address) != row.Address {
				t.Errorf("line %d keeps traditional characters: %q %q", row.Line, row.Person.Name, row.Address)
			}
			if row.Person.IDNumber != "" {
				ids[row.Person.IDNumber]++
			}
		}
		if rejected != sum.Invalid {
			t.Errorf("%+v: %d rejected, generator made %d invalid", opts, rejected, sum.Invalid)
		}
		if opts.Noise == 0 && (rejected != 0 || len(sum.Noise) != 0) {
			t.Errorf("no noise asked, %d rejected, noise %v", rejected, sum.Noise)
		}
		dups := 0
		for _, n := range ids {
			dups += n - 1
		}
		if opts.Noise > 0 && (dups < sum.Noise["duplicate"]/2 || len(sum.Noise) != numNoise) {
			t.Errorf("%d repeated ID numbers for %d duplicates; noise %v", dups, sum.Noise["duplicate"], sum.Noise)
		}
	}
}

func TestGenerateGBKIsGBK(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Generate(&buf, GenOptions{Rows: 3000, Seed: 1, Noise: 0.5, Encoding: EncodingGB18030}); err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(simplifiedchinese.GBK.NewDecoder().Reader(bytes.NewReader(buf.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsRune(text, '\ufffd') {
		t.Error("generated file is not plain GBK")
	}
}

func TestGenerateOptions(t *testing.T) {
	for _, opts := range []GenOptions{
		{Rows: -1},
		{Rows: 1, Noise: 2},
		{Rows: 1, Format: "pdf"},
		{Rows: 1, Encoding: "latin1"},
		{Rows: 1, Format: FormatXLSX, Encoding: EncodingGB18030},
	} {
		if _, err := Generate(io.Discard, opts); err == nil {
			t.Errorf("%+v: no error", opts)
		}
	}
}

func TestStationsResolve(t *testing.T) {
	o := originResolver{regions: testRegions()}
	for _, s := range stations() {
		code, ok := o.resolve(s.code)
		if !ok || code != s.code[:4] {
			t.Errorf("%s: code %s resolves to %q, %v", s.name, s.code, code, ok)
		}
		if byName, ok := o.resolve(s.name); ok && byName[:2] != code[:2] {
			t.Errorf("%s resolves by name to %s, by code to %s", s.name, byName, code)
		}
		for _, c := range s.counties {
			if c[:4] != s.code[:4] {
				t.Errorf("%s: county %s not in its city", s.name, c)
			}
			if r, ok := testRegions().Lookup(c); !ok || r.Code != c {
				t.Errorf("%s: county %s unknown", s.name, c)
			}
		}
	}
}
