package intake

// The reference data of the manifest generator: stations trains arrive
// from, with the division code of their city and the counties their
// travellers' ID numbers come from; Chinese names; the parts of an address.

// station is where a train to Shenyang sets out.
type station struct {
	name string
	// code is the 6-digit division code of the station's city.
	code string
	// counties issue the ID numbers of the travellers from there.
	counties []string
	// fast says whether G and D trains run from there; slow trains (K,
	// T, Z) run from everywhere.
	fast bool
}

// stations are weighted by repetition in the draw: Shenyang's traffic is
// mostly from Liaoning and the north-east. 汉口站 is a station, not a place
// name: only its division code resolves it, as in real manifests.
func stations() []station {
	return []station{
		{"北京站", "110100", []string{"110101", "110102", "110105", "110106", "110108"}, true},
		{"北京朝阳站", "110100", []string{"110105", "110108", "110106"}, true},
		{"天津站", "120100", []string{"120101", "120102", "120104"}, true},
		{"上海站", "310100", []string{"310101", "310104", "310105", "310115"}, true},
		{"武汉站", "420100", []string{"420102", "420103", "420106", "420111"}, true},
		{"汉口站", "420100", []string{"420102", "420103", "420106"}, false},
		{"长春站", "220100", []string{"220102", "220103", "220104", "220105"}, true},
		{"长春西站", "220100", []string{"220102", "220104", "220105"}, true},
		{"哈尔滨西站", "230100", []string{"230102", "230103", "230104"}, true},
		{"齐齐哈尔站", "230200", []string{"230202", "230203"}, false},
		{"大连北站", "210200", []string{"210202", "210203", "210204", "210211"}, true},
		{"大连站", "210200", []string{"210202", "210203", "210204"}, false},
		{"丹东站", "210600", []string{"210602", "210603"}, true},
		{"锦州南站", "210700", []string{"210702", "210703"}, true},
		{"鞍山西站", "210300", []string{"210302", "210303"}, true},
		{"抚顺北站", "210400", []string{"210402", "210403"}, true},
		{"本溪站", "210500", []string{"210502"}, false},
		{"营口东站", "210800", []string{"210802", "210803"}, true},
		{"阜新站", "210900", []string{"210902"}, false},
		{"辽阳站", "211000", []string{"211002"}, false},
		{"铁岭西站", "211200", []string{"211202"}, true},
		{"朝阳站", "211300", []string{"211302"}, true},
		{"葫芦岛北站", "211400", []string{"211402"}, true},
		{"济南西站", "370100", []string{"370102", "370103"}, true},
		{"青岛北站", "370200", []string{"370202", "370203"}, true},
		{"石家庄站", "130100", []string{"130102", "130104"}, true},
		{"郑州东站", "410100", []string{"410102", "410103"}, true},
		{"南京南站", "320100", []string{"320102", "320104"}, true},
		{"杭州东站", "330100", []string{"330102", "330106"}, true},
		{"广州南站", "440100", []string{"440103", "440104", "440106"}, true},
		{"深圳北站", "440300", []string{"440303", "440304", "440305"}, true},
		{"成都东站", "510100", []string{"510104", "510105"}, false},
		{"西安北站", "610100", []string{"610102", "610103"}, false},
		{"长沙南站", "430100", []string{"430102", "430103"}, true},
		{"通辽站", "150500", []string{"150502"}, false},
		{"赤峰站", "150400", []string{"150402"}, false},
		{"呼和浩特东站", "150100", []string{"150102", "150103"}, false},
	}
}

// shenyangCounties issue the ID numbers of returning residents, with
// codes of counties since renamed (210122 辽中县, now 辽中区) that old ID
// numbers still carry.
func shenyangCounties() []string {
	return []string{
		"210102", "210103", "210104", "210105", "210106", "210111", "210112",
		"210113", "210114", "210115", "210181", "210123", "210124", "210122",
	}
}

// Name characters. Given-name characters go by sex; both lists hold
// characters with traditional forms (伟 偉, 丽 麗), so the traditional noise
// changes names.
const (
	surnames    = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段关富佟"
	maleChars   = "伟强磊军洋勇杰涛明超刚波宏浩宇鑫博文志国建立海春东华亮辉龙鹏飞斌峰健凯旭晨铭阳"
	femaleChars = "芳娜秀英敏静丽艳娟霞桂玉萍红玲芬燕欣怡雅思涵梓颖琳婷雪梅兰凤洁慧莹佳"
)

// unroutable are addresses no gazetteer can place in a community: a
// compound it does not know, a landmark, a district alone, another city.
func unroutable() []string {
	return []string{
		"沈阳市幸福家园小区", "沈阳站附近", "沈阳市铁西区某工地宿舍", "大连市中山区人民路",
		"沈阳市浑南区", "辽宁省沈阳市", "沈阳北站出站口",
	}
}

// mobilePrefixes are the first three digits of mainland mobile numbers,
// run together.
const mobilePrefixes = "130131132133135136137138139147150151152155156157158159166176177178180182183185186187188189191198199"
