package intake

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop/divisions"
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
	noiseID15        = iota // legacy 15-digit ID number
	noiseLowerX             // check character x
	noiseFullWidth          // full-width digits in ID and phone
	noiseTraditional        // name and address in traditional characters
	noiseSpaces             // stray spaces in name, ID, phone and address
	noisePhoneForm          // +86, 0086, dashes, spaces
	noiseDateForm           // 2020/1/22, 2020年1月22日, 20200122
	noiseNoPhone            // phone missing
	noiseUnroutable         // address that names no community
	noiseDuplicate          // a person already listed, again
	noiseCheckChar          // wrong check character
	noiseBadPhone           // not a mobile number
	noiseBadBirth           // impossible birth date in the ID number
	noiseNoIdentity         // neither ID nor phone
	numNoise
	firstInvalidNoise = noiseCheckChar
)

// noiseNames name the kinds of noise in GenSummary.
func noiseNames() [numNoise]string {
	return [numNoise]string{
		"id15", "lower_x", "full_width", "traditional", "spaces", "phone_form", "date_form",
		"no_phone", "unroutable", "duplicate", "check_char", "bad_phone", "bad_birth", "no_identity",
	}
}

// manifestHeader is the header row of a generated manifest: a railway
// passenger list as the railway police hand it to the headquarters.
func manifestHeader() [numCols]string {
	return [numCols]string{"车次", "座位", "出发站", "出发地区划代码", "到达日期", "姓名", "性别", "身份证号", "手机号", "目的地址"}
}

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
// seconds and constant memory (excelize keeps a large sheet in a temporary
// file until the workbook is written).
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
	names := noiseNames()
	for k, n := range g.counts {
		if n > 0 {
			s.Noise[names[k]] = n
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
