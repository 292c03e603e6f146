package intake

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/epiloop/epiloop/divisions"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// GenOptions control the synthetic manifest Generate writes.
type GenOptions struct {
	// Rows is the number of data rows.
	Rows int
	// Seed fixes the content: the same options give the same bytes.
	Seed uint64
	// Format is FormatCSV (the default) or FormatXLSX.
	Format Format
	// Encoding is that of a CSV file: EncodingUTF8 (the default),
	// EncodingUTF8BOM, or EncodingGB18030, which for the characters the
	// generator writes gives the same bytes as GBK.
	Encoding Encoding
	// Noise is the share of rows, from 0 to 1, that carry one of the
	// mistakes and variations real manifests have (see GenSummary.Noise).
	Noise float64
	// Tree gives the destination communities; nil loads Shenyang's.
	Tree *divisions.Tree
}

// GenSummary says what Generate wrote.
type GenSummary struct {
	Rows int `json:"rows"`
	// Invalid counts the rows a Reader must reject.
	Invalid int `json:"invalid"`
	// Noise counts the rows by the noise they carry.
	Noise map[string]int `json:"noise"`
}

// Kinds of noise. The first ones leave the row valid once normalised; the
// last ones make the reader reject it.
const (
	noiseID15       = iota // legacy 15-digit ID number
	noiseLowerX            // check character x
	noiseFullWidth         // full-width digits in ID and phone
	noiseTraditional       // name and address in traditional characters
	noiseSpaces            // stray spaces in name, ID, phone and address
	noisePhoneForm         // +86, 0086, dashes, spaces
	noiseDateForm          // 2020/1/22, 2020年1月22日, 20200122
	noiseNoPhone           // phone missing
	noiseUnroutable        // address that names no community
	noiseDuplicate         // a person already listed, again
	noiseCheckChar         // wrong check character
	noiseBadPhone          // not a mobile number
	noiseBadBirth          // impossible birth date in the ID number
	noiseNoIdentity        // neither ID nor phone
	numNoise
	firstInvalidNoise = noiseCheckChar
)

var noiseNames = [numNoise]string{
	"id15", "lower_x", "full_width", "traditional", "spaces", "phone_form", "date_form",
	"no_phone", "unroutable", "duplicate", "check_char", "bad_phone", "bad_birth", "no_identity",
}

// manifestHeader is the header row of a generated manifest: a railway
// passenger list as the railway police hand it to the headquarters.
var manifestHeader = [...]string{"车次", "座位", "出发站", "出发地区划代码", "到达日期", "姓名", "性别", "身份证号", "手机号", "目的地址"}

const (
	colTrain = iota
	colSeat
	colStation
	colStationCode
	colDate
	colName
	colSex
	colID
	colPhone
	colAddress
	numCols
)

// Generate writes a deterministic synthetic passenger manifest: trains
// arriving in Shenyang, each with a few hundred travellers bound for real
// communities, with controlled noise. It streams, so a million rows take
// seconds and constant memory (an XLSX file is assembled by excelize in a
// temporary file).
func Generate(w io.Writer, opts GenOptions) (GenSummary, error) {
	if opts.Rows < 0 || opts.Noise < 0 || opts.Noise > 1 {
		return GenSummary{}, errors.New("intake: generate: rows must be ≥ 0 and noise within [0, 1]")
	}
	if opts.Tree == nil {
		t, err := divisions.Shenyang()
		if err != nil {
			return GenSummary{}, err
		}
		opts.Tree = t
	}
	g := newGenerator(opts)
	var err error
	switch opts.Format {
	case FormatCSV, "":
		err = g.writeCSV(w)
	case FormatXLSX:
		if opts.Encoding != "" && opts.Encoding != EncodingUTF8 {
			return GenSummary{}, errors.New("intake: generate: an XLSX file has no encoding to choose")
		}
		err = g.writeXLSX(w)
	default:
		err = fmt.Errorf("intake: generate: unknown format %q", opts.Format)
	}
	return g.summary(), err
}

// person is a traveller, held in fixed arrays so that generating one
// allocates nothing.
type person struct {
	name    [4]rune
	nameLen int
	id      [18]byte
	phone   [11]byte
	male    bool
}

// place is a destination community as addresses write it.
type place struct {
	district, street, name string
	village                bool
}

type generator struct {
	opts     GenOptions
	rng      *rand.Rand
	stations []station
	places   []place
	locals   []string
	away     []string
	surnames []rune
	male     []rune
	female   []rune
	trad     map[rune]rune

	// The train being listed.
	st       *station
	train    []byte
	fast     bool
	day      int // days since 2020-01-01
	left     int
	coach    int
	seatNext int

	recent  [1024]person
	nRecent int

	rec    record
	counts [numNoise]int
	rows   int
}

// record is one row, its fields as byte ranges of one buffer.
type record struct {
	b   []byte
	off [numCols + 1]int
	// serial marks a date written in the standard form, which an XLSX
	// file stores as a date rather than text.
	serial bool
}

func (r *record) start(col int) { r.off[col] = len(r.b) }
func (r *record) field(col int) []byte {
	return r.b[r.off[col]:r.off[col+1]]
}

func newGenerator(opts GenOptions) *generator {
	g := &generator{
		opts:     opts,
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x6a09e667f3bcc909)),
		stations: stations(),
		locals:   shenyangCounties(),
		surnames: []rune(surnames),
		male:     []rune(maleChars),
		female:   []rune(femaleChars),
	}
	if opts.Noise > 0 {
		g.trad = traditional()
	}
	for _, s := range g.stations {
		g.away = append(g.away, s.counties...)
	}
	t := opts.Tree
	for _, c := range t.Communities {
		d, _ := t.District(c.DistrictCode)
		s, _ := t.Street(c.StreetCode)
		name, village := placeName(c.Name)
		g.places = append(g.places, place{district: d.Name, street: s.Name, name: name, village: village})
	}
	return g
}

// placeName turns a committee's name into the place addresses name:
// 五五村委会 → 五五村, 刘南社区居委会 → 刘南社区.
func placeName(name string) (string, bool) {
	for _, suf := range [...]string{"村民委员会", "村委会", "居民委员会", "居委会"} {
		if rest, ok := strings.CutSuffix(name, suf); ok && rest != "" {
			name = rest
			break
		}
	}
	if strings.HasSuffix(name, "村") && !strings.HasSuffix(name, "社区") {
		return name, true
	}
	if !strings.HasSuffix(name, "社区") && !strings.HasSuffix(name, "村") && !strings.HasSuffix(name, "区") {
		name += "村"
		return name, true
	}
	return name, false
}

func (g *generator) summary() GenSummary {
	s := GenSummary{Rows: g.rows, Noise: make(map[string]int)}
	for k, n := range g.counts {
		if n > 0 {
			s.Noise[noiseNames[k]] = n
		}
		if k >= firstInvalidNoise {
			s.Invalid += n
		}
	}
	return s
}

func (g *generator) intn(n int) int { return g.rng.IntN(n) }

// nextTrain starts the list of another arriving train.
func (g *generator) nextTrain() {
	g.st = &g.stations[g.intn(len(g.stations))]
	g.fast = g.st.fast && g.intn(4) > 0
	g.train = g.train[:0]
	if g.fast {
		g.train = append(g.train, "GD"[g.intn(2)])
		g.train = strconv.AppendInt(g.train, int64(1+g.intn(9999)), 10)
	} else {
		g.train = append(g.train, "KTZ"[g.intn(3)])
		g.train = strconv.AppendInt(g.train, int64(1+g.intn(999)), 10)
	}
	g.day = 9 + g.intn(40) // 2020-01-10 to 2020-02-18
	g.left = 40 + g.intn(560)
	g.coach = 1 + g.intn(3)
	g.seatNext = 0
}

// newPerson draws a traveller from the train's station or, less often, a
// returning resident or someone from elsewhere.
func (g *generator) newPerson() person {
	var p person
	p.male = g.intn(2) == 0
	p.name[0] = g.surnames[g.intn(len(g.surnames))]
	chars := g.female
	if p.male {
		chars = g.male
	}
	p.nameLen = 2 + min(1, g.intn(10)/3)
	for i := 1; i < p.nameLen; i++ {
		p.name[i] = chars[g.intn(len(chars))]
	}
	var region string
	switch k := g.intn(20); {
	case k < 10:
		region = g.st.counties[g.intn(len(g.st.counties))]
	case k < 17:
		region = g.locals[g.intn(len(g.locals))]
	default:
		region = g.away[g.intn(len(g.away))]
	}
	year := 1940 + g.intn(76)
	month := 1 + g.intn(12)
	day := 1 + g.intn(daysIn(year, month))
	seq := g.intn(500)*2 + 1 // odd: male
	if !p.male {
		seq--
	}
	copy(p.id[:6], region)
	putDigits(p.id[6:10], year)
	putDigits(p.id[10:12], month)
	putDigits(p.id[12:14], day)
	putDigits(p.id[14:17], seq)
	p.id[17] = checkChar(p.id[:17])
	i := 3 * g.intn(len(mobilePrefixes)/3)
	copy(p.phone[:3], mobilePrefixes[i:i+3])
	putDigits(p.phone[3:], g.intn(100_000_000))
	return p
}

// makeCheckX changes the sequence number of p's ID number, keeping its
// parity (the sex), until the check character is X.
func makeCheckX(p *person) {
	for tries := 0; p.id[17] != 'X' && tries < 500; tries++ {
		seq := (atoi(string(p.id[14:17])) + 2) % 1000
		putDigits(p.id[14:17], seq)
		p.id[17] = checkChar(p.id[:17])
	}
}

// putDigits writes n into b as len(b) decimal digits, zero-padded.
func putDigits(b []byte, n int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

// checkChar computes the GB 11643 check character of 17 digits.
func checkChar(d []byte) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(d[i]-'0') * w
	}
	return "10X98765432"[sum%11]
}

// next composes the next row into g.rec.
func (g *generator) next() {
	if g.left == 0 {
		g.nextTrain()
	}
	g.left--
	g.rows++
	noise := -1
	if g.opts.Noise > 0 && g.rng.Float64() < g.opts.Noise {
		noise = g.intn(numNoise)
	}
	var p person
	if noise == noiseDuplicate && g.nRecent > 0 {
		p = g.recent[g.intn(min(g.nRecent, len(g.recent)))]
	} else {
		if noise == noiseDuplicate {
			noise = -1
		}
		p = g.newPerson()
		if noise == noiseLowerX {
			makeCheckX(&p)
		}
		g.recent[g.nRecent%len(g.recent)] = p
		g.nRecent++
	}
	if noise == noiseID15 && p.id[6] == '2' {
		noise = noiseSpaces // no 15-digit numbers were issued to those born since 2000
	}
	if noise >= 0 {
		g.counts[noise]++
	}

	r := &g.rec
	r.b = r.b[:0]
	r.serial = noise != noiseDateForm
	r.start(colTrain)
	r.b = append(r.b, g.train...)
	r.start(colSeat)
	g.appendSeat()
	r.start(colStation)
	r.b = append(r.b, g.st.name...)
	r.start(colStationCode)
	r.b = append(r.b, g.st.code...)
	r.start(colDate)
	g.appendDate(noise == noiseDateForm)
	r.start(colName)
	g.appendName(&p, noise)
	r.start(colSex)
	if p.male {
		r.b = append(r.b, "男"...)
	} else {
		r.b = append(r.b, "女"...)
	}
	r.start(colID)
	g.appendID(&p, noise)
	r.start(colPhone)
	g.appendPhone(&p, noise)
	r.start(colAddress)
	g.appendAddress(noise)
	r.off[numCols] = len(r.b)
}

func (g *generator) appendSeat() {
	r := &g.rec
	g.seatNext++
	if g.seatNext > 90 {
		g.seatNext = 1
		g.coach++
	}
	r.b = appendPad2(r.b, g.coach)
	r.b = append(r.b, "车"...)
	if g.fast {
		r.b = appendPad2(r.b, 1+(g.seatNext-1)/5)
		r.b = append(r.b, "ABCDF"[(g.seatNext-1)%5])
		return
	}
	if g.coach%3 == 0 {
		r.b = appendPad2(r.b, (g.seatNext+2)/3)
		r.b = append(r.b, "号"...)
		r.b = append(r.b, [...]string{"上铺", "中铺", "下铺"}[g.seatNext%3]...)
		return
	}
	r.b = append(r.b, '0'+byte(g.seatNext/100), '0'+byte(g.seatNext/10%10), '0'+byte(g.seatNext%10))
	r.b = append(r.b, "号"...)
}

func appendPad2(b []byte, n int) []byte {
	return append(b, '0'+byte(n/10%10), '0'+byte(n%10))
}

// appendDate writes the train's arrival date, in the standard form or,
// as noise, in another one people use.
func (g *generator) appendDate(other bool) {
	r := &g.rec
	y, m, d := 2020, 1, 1+g.day
	if d > 31 {
		m, d = 2, d-31
	}
	if !other {
		r.b = append(r.b, "2020-"...)
		r.b = appendPad2(r.b, m)
		r.b = append(r.b, '-')
		r.b = appendPad2(r.b, d)
		return
	}
	switch g.intn(4) {
	case 0:
		r.b = strconv.AppendInt(r.b, int64(y), 10)
		r.b = append(r.b, '/')
		r.b = strconv.AppendInt(r.b, int64(m), 10)
		r.b = append(r.b, '/')
		r.b = strconv.AppendInt(r.b, int64(d), 10)
	case 1:
		r.b = strconv.AppendInt(r.b, int64(y), 10)
		r.b = append(r.b, "年"...)
		r.b = strconv.AppendInt(r.b, int64(m), 10)
		r.b = append(r.b, "月"...)
		r.b = strconv.AppendInt(r.b, int64(d), 10)
		r.b = append(r.b, "日"...)
	case 2:
		r.b = append(r.b, "2020"...)
		r.b = appendPad2(r.b, m)
		r.b = appendPad2(r.b, d)
	default:
		r.b = append(r.b, "2020."...)
		r.b = appendPad2(r.b, m)
		r.b = append(r.b, '.')
		r.b = appendPad2(r.b, d)
	}
}

func (g *generator) appendName(p *person, noise int) {
	r := &g.rec
	for i := 0; i < p.nameLen; i++ {
		c := p.name[i]
		if noise == noiseTraditional {
			if t, ok := g.trad[c]; ok {
				c = t
			}
		}
		if noise == noiseSpaces && i == 1 {
			r.b = append(r.b, ' ')
		}
		r.b = utf8.AppendRune(r.b, c)
	}
	if noise == noiseSpaces {
		r.b = append(r.b, ' ')
	}
}

func (g *generator) appendID(p *person, noise int) {
	r := &g.rec
	id := p.id
	switch noise {
	case noiseNoIdentity:
		return
	case noiseID15:
		r.b = append(r.b, id[:6]...)
		r.b = append(r.b, id[8:17]...)
		return
	case noiseLowerX:
		if id[17] == 'X' {
			id[17] = 'x'
		}
	case noiseCheckChar:
		i := strings.IndexByte("10X98765432", id[17])
		id[17] = "10X98765432"[(i+1+g.intn(10))%11]
	case noiseBadBirth:
		id[10], id[11] = '1', '3' // month 13
		id[17] = checkChar(id[:17])
	case noiseFullWidth:
		for _, c := range id {
			r.b = appendFullWidth(r.b, c)
		}
		return
	case noiseSpaces:
		r.b = append(r.b, id[:6]...)
		r.b = append(r.b, ' ')
		r.b = append(r.b, id[6:14]...)
		r.b = append(r.b, ' ')
		r.b = append(r.b, id[14:]...)
		return
	}
	r.b = append(r.b, id[:]...)
}

// appendFullWidth writes an ASCII character in its full-width form.
func appendFullWidth(b []byte, c byte) []byte {
	return utf8.AppendRune(b, rune(c)-'!'+'！')
}

func (g *generator) appendPhone(p *person, noise int) {
	r := &g.rec
	ph := p.phone[:]
	switch noise {
	case noiseNoPhone, noiseNoIdentity:
		return
	case noiseFullWidth:
		for _, c := range ph {
			r.b = appendFullWidth(r.b, c)
		}
		return
	case noisePhoneForm:
		switch g.intn(4) {
		case 0:
			r.b = append(r.b, "+86 "...)
		case 1:
			r.b = append(r.b, "0086"...)
		}
		r.b = append(r.b, ph[:3]...)
		r.b = append(r.b, '-')
		r.b = append(r.b, ph[3:7]...)
		r.b = append(r.b, '-')
		r.b = append(r.b, ph[7:]...)
		return
	case noiseSpaces:
		r.b = append(r.b, ph[:3]...)
		r.b = append(r.b, ' ')
		r.b = append(r.b, ph[3:7]...)
		r.b = append(r.b, ' ')
		r.b = append(r.b, ph[7:]...)
		return
	case noiseBadPhone:
		if g.intn(2) == 0 {
			r.b = append(r.b, ph[:10]...) // a digit short
		} else {
			r.b = append(r.b, "024-"...) // a landline
			r.b = append(r.b, ph[3:11]...)
		}
		return
	}
	r.b = append(r.b, ph...)
}

// appendAddress writes a destination: 沈阳市和平区[浑河湾街道]水源地社区12号楼3单元502室,
// or for a village 沈阳市辽中区[茨榆坨街道]五五村3组12号.
func (g *generator) appendAddress(noise int) {
	r := &g.rec
	if noise == noiseUnroutable {
		u := unroutable()
		r.b = append(r.b, u[g.intn(len(u))]...)
		return
	}
	start := len(r.b)
	if noise == noiseSpaces {
		r.b = append(r.b, ' ')
	}
	pl := &g.places[g.intn(len(g.places))]
	r.b = append(r.b, "沈阳市"...)
	r.b = append(r.b, pl.district...)
	if g.intn(10) < 3 {
		r.b = append(r.b, pl.street...)
	}
	r.b = append(r.b, pl.name...)
	if pl.village {
		r.b = strconv.AppendInt(r.b, int64(1+g.intn(12)), 10)
		r.b = append(r.b, "组"...)
		r.b = strconv.AppendInt(r.b, int64(1+g.intn(80)), 10)
		r.b = append(r.b, "号"...)
	} else {
		r.b = strconv.AppendInt(r.b, int64(1+g.intn(40)), 10)
		r.b = append(r.b, "号楼"...)
		if noise == noiseSpaces {
			r.b = append(r.b, "  "...)
		}
		r.b = strconv.AppendInt(r.b, int64(1+g.intn(6)), 10)
		r.b = append(r.b, "单元"...)
		r.b = strconv.AppendInt(r.b, int64(1+g.intn(18)), 10)
		r.b = appendPad2(r.b, 1+g.intn(4))
		r.b = append(r.b, "室"...)
	}
	if noise == noiseTraditional {
		r.b = append(r.b[:start], g.traditionalize(r.b[start:])...)
	}
}

// traditionalize rewrites simplified characters as traditional ones.
func (g *generator) traditionalize(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		c, n := utf8.DecodeRune(b)
		if t, ok := g.trad[c]; ok {
			c = t
		}
		out = utf8.AppendRune(out, c)
		b = b[n:]
	}
	return out
}

// writeCSV writes the manifest as CSV, through an encoder when the
// encoding is not UTF-8.
func (g *generator) writeCSV(w io.Writer) error {
	var enc *transform.Writer
	switch g.opts.Encoding {
	case EncodingUTF8, "":
	case EncodingUTF8BOM:
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
	case EncodingGB18030:
		enc = transform.NewWriter(w, simplifiedchinese.GB18030.NewEncoder())
		w = enc
	default:
		return fmt.Errorf("intake: generate: unknown encoding %q", g.opts.Encoding)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	var line []byte
	for i, h := range manifestHeader {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, h...)
	}
	line = append(line, '\r', '\n')
	bw.Write(line)
	for range g.opts.Rows {
		g.next()
		line = line[:0]
		for c := range numCols {
			if c > 0 {
				line = append(line, ',')
			}
			line = appendCSVField(line, g.rec.field(c))
		}
		line = append(line, '\r', '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if enc != nil {
		return enc.Close()
	}
	return nil
}

// appendCSVField quotes a field when it needs it.
func appendCSVField(b, f []byte) []byte {
	if !needsQuote(f) {
		return append(b, f...)
	}
	b = append(b, '"')
	for _, c := range f {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

func needsQuote(f []byte) bool {
	for _, c := range f {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}
