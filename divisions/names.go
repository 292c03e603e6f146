package divisions

import (
	"strings"
	"unicode/utf8"
)

// ethnicGroups are the minority nationalities as they appear inside the
// names of autonomous areas (延边朝鲜族自治州, 沙金台蒙古族满族乡). People
// leave them out when they speak of the place, so short names drop them.
var ethnicGroups = []string{
	"蒙古族", "回族", "藏族", "维吾尔族", "维吾尔", "苗族", "彝族", "壮族", "布依族",
	"朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族",
	"黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族",
	"景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族",
	"毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族",
	"俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族",
	"鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "各族",
}

// trimSuffix removes suffix from s when at least min runes remain, so that
// stripping never leaves a one-character name that matches everything.
func trimSuffix(s, suffix string, min int) (string, bool) {
	rest, ok := strings.CutSuffix(s, suffix)
	if !ok || utf8.RuneCountInString(rest) < min {
		return s, false
	}
	return rest, true
}

// trimEthnic removes trailing nationality names: 湘西土家族苗族 → 湘西.
func trimEthnic(s string) string {
	for changed := true; changed; {
		changed = false
		for _, g := range ethnicGroups {
			var ok bool
			if s, ok = trimSuffix(s, g, 2); ok {
				changed = true
				break
			}
		}
	}
	return s
}

// regionSuffixes are the generic parts of province, city and county names,
// longest first so that 自治区 is tried before 区.
var regionSuffixes = []string{
	"特别行政区", "自治区", "自治州", "自治县", "自治旗", "林区", "特区", "地区", "新区",
	"省", "市", "区", "县", "旗", "盟",
}

// shortRegionName returns the name people use without the generic part
// (湖北省 → 湖北, 广西壮族自治区 → 广西), or "" when there is none of at
// least two characters.
func shortRegionName(name string) string {
	for _, suf := range regionSuffixes {
		if rest, ok := trimSuffix(name, suf, 2); ok {
			if strings.HasPrefix(suf, "自治") {
				rest = trimEthnic(rest)
			}
			return rest
		}
	}
	return ""
}
