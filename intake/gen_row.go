package intake

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

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
