// Package scenario seeds a deterministic, lively Shenyang scenario — demo
// accounts and leads in every state across every district — for the demo,
// the tests and the benchmarks.
package scenario

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/epiloop/epiloop"
)

var surnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")

var givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩然子轩梓涵欣怡嘉诚俊博文雅思远志国建立海波宏春")

// Origins are regions travellers come from in the scenario: division
// codes of counties, as an ID number carries them.
var Origins = []string{"420102", "420106", "110105", "310115", "440305", "210102", "210103", "210106", "220102", "230103", "370102", "130102"}

// Gen makes deterministic people from a seed.
type Gen struct {
	r *rand.Rand
}

// NewGen returns a generator; the same seed gives the same people.
func NewGen(seed uint64) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Intn returns a number in [0, n).
func (g *Gen) Intn(n int) int { return g.r.IntN(n) }

// Float returns a number in [0, 1).
func (g *Gen) Float() float64 { return g.r.Float64() }

// Name returns a two- or three-character Chinese name.
func (g *Gen) Name() string {
	n := []rune{surnames[g.r.IntN(len(surnames))], givenChars[g.r.IntN(len(givenChars))]}
	if g.r.IntN(3) > 0 {
		n = append(n, givenChars[g.r.IntN(len(givenChars))])
	}
	return string(n)
}

// IDNumber returns a valid 18-digit ID number issued in region (6 digits).
func (g *Gen) IDNumber(region string) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.r.IntN(365*55))
	first17 := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), g.r.IntN(1000))
	return epiloop.CompleteIDNumber(first17)
}

// Phone returns a mainland mobile number.
func (g *Gen) Phone() string {
	prefixes := []string{"130", "131", "135", "136", "138", "139", "150", "151", "158", "176", "186", "189"}
	return fmt.Sprintf("%s%08d", prefixes[g.r.IntN(len(prefixes))], g.r.IntN(100_000_000))
}

// Address returns a street address inside a community.
func (g *Gen) Address(district, community string) string {
	return fmt.Sprintf("沈阳市%s%s%d号楼%d单元%d室", district, community, 1+g.r.IntN(40), 1+g.r.IntN(6), 101+g.r.IntN(18)*100+g.r.IntN(4))
}

// Temperature returns a normal body temperature, or a fever.
func (g *Gen) Temperature(fever bool) *float64 {
	t := 36.0 + float64(g.r.IntN(9))/10
	if fever {
		t = 37.5 + float64(g.r.IntN(15))/10
	}
	return &t
}
