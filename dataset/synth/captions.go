package synth

import (
	"fmt"
	"math/rand/v2"
)

// compositionCap describes layout, counts and left/right relations.
func (s scene) compositionCap() bi {
	switch s.fam {
	case famLandscape:
		en := fmt.Sprintf("The horizon sits just below the centre, with %s mountain ranges stacked from pale distant peaks to darker near slopes", numEN[s.layers])
		zh := fmt.Sprintf("地平线位于画面中部略下方，%s层山峦由远处的浅色山峰叠到近处较暗的山坡", numZH[s.layers])
		if cp := s.celestialPhrase(); cp.en != "" {
			en += "; " + cp.en + " anchors the sky"
			zh += "；" + cp.zh + "点亮了天空"
		}
		if s.entity != entNone {
			sd := side(s.entLeft)
			en += fmt.Sprintf(", and %s is placed on the %s side of the frame", entityEN[s.entity], sd.en)
			zh += fmt.Sprintf("，%s位于画面%s", entityZH[s.entity], sd.zh)
		}
		if s.trees > 0 {
			en += fmt.Sprintf(", framed by a row of %s pine trees along the bottom edge", numEN[s.trees])
			zh += fmt.Sprintf("，底部一排%s棵松树构成前景", numZH[s.trees])
		}
		return bi{en + ".", zh + "。"}
	case famArrangement:
		var en, zh []string
		for _, g := range s.groups {
			p := groupPhrase(g)
			en, zh = append(en, p.en), append(zh, p.zh)
		}
		a, b := groupName(s.groups[0]), groupName(s.groups[len(s.groups)-1])
		return bi{fmt.Sprintf("From left to right there are %s, all standing in one row on %s; %s are on the far left and %s are on the far right.", listEN(en), settingEN[s.setting], a.en, b.en),
			fmt.Sprintf("从左到右依次是%s，全部排成一行放在%s上；%s在最左边，%s在最右边。", listZH(zh), settingZH[s.setting], a.zh, b.zh)}
	case famSign:
		switch s.signKind {
		case sgShopfront:
			return bi{"The sign board spans the top of the frame above a scalloped striped awning, with a shop window on the left and a door on the right.",
				"招牌横跨画面上方，下面是带波浪边的条纹遮阳篷，左边是橱窗，右边是店门。"}
		case sgPoster:
			return bi{"The poster is centred on the wall with a large disc in its upper half and the headline stacked below it, the small subline at the bottom.",
				"海报位于墙面中央，上半部分是一个大圆盘，标题在其下方，底部是一行小字。"}
		case sgNeon:
			return bi{"The neon lettering sits in the middle of a rounded glowing frame, with a short glowing line underneath.",
				"霓虹文字位于一个圆角发光边框的中间，下方有一条短短的发光线。"}
		}
		return bi{"The A-frame chalkboard stands centred on the pavement, the main word at the top and a smaller line beneath it, with three small chalk stars at the bottom.",
			"A字形黑板立在人行道中央，主标题在上方，下面是一行小字，底部画着三颗粉笔小星星。"}
	case famPattern:
		p := s.subject()
		return bi{"The design is centred and symmetrical: " + p.en + ", filling the square frame edge to edge.",
			"画面居中而对称：" + p.zh + "，铺满整个方形画面。"}
	}
	switch s.surKind {
	case srIslands:
		return bi{fmt.Sprintf("%s islands are spread across the middle band of the frame at different heights, with a flat floor of clouds along the bottom edge.", capFirst(numEN[s.islands])),
			fmt.Sprintf("%s座岛屿以不同高度分布在画面中部，底部是一片平坦的云层。", numZH[s.islands])}
	case srGiantFruit:
		return bi{fmt.Sprintf("The giant %s fills the centre of the frame, while the tiny cottage on the right gives the scale.", fruitEN[s.fruit]),
			fmt.Sprintf("巨大的%s占据画面中央，右边的小屋提供了尺度参照。", fruitZH[s.fruit])}
	case srMoons:
		return bi{fmt.Sprintf("%s moons are spaced across the upper half from left to right, largest on the left, above a low mountain line and the sea.", capFirst(numEN[s.moons])),
			fmt.Sprintf("%s个月亮从左到右分布在画面上半部分，最大的在左边，下方是低矮的山脊和大海。", numZH[s.moons])}
	}
	return bi{"The ringed planet sits slightly right of centre, its ring tilted across it, above three layers of dunes.",
		"带环行星位于画面中央偏右，光环斜穿过星体，下方是三层沙丘。"}
}

// entityCap lists the main things shown with their attributes.
func (s scene) entityCap() bi {
	p := s.subject()
	switch s.fam {
	case famLandscape:
		var en, zh []string
		if cp := s.celestialPhrase(); cp.en != "" {
			en, zh = append(en, cp.en), append(zh, cp.zh)
		}
		if s.entity != entNone {
			en, zh = append(en, entityEN[s.entity]), append(zh, entityZH[s.entity])
		}
		if s.trees > 0 {
			en, zh = append(en, numEN[s.trees]+" pine trees"), append(zh, numZH[s.trees]+"棵松树")
		}
		if s.birds > 0 {
			en, zh = append(en, numEN[s.birds]+" small birds"), append(zh, numZH[s.birds]+"只小鸟")
		}
		if len(en) == 0 {
			return bi{"The picture shows " + p.en + ".", "画面展示了" + p.zh + "。"}
		}
		return bi{"The picture shows " + p.en + ", including " + listEN(en) + ".", "画面展示了" + p.zh + "，其中有" + listZH(zh) + "。"}
	case famSign:
		return bi{"The picture shows " + p.en + ".", "画面展示了" + p.zh + "。"}
	}
	return bi{capFirst(p.en) + ".", p.zh + "。"}
}

// textCap quotes the rendered text (signs only).
func (s scene) textCap() bi {
	col := objColours[s.signColour]
	switch s.signKind {
	case sgShopfront:
		return bi{fmt.Sprintf("The %s sign board reads \"%s\" in bold capital letters.", col.en, s.text),
			fmt.Sprintf("%s招牌上用粗体大写字母写着“%s”。", col.zh, s.text)}
	case sgPoster:
		return bi{fmt.Sprintf("The poster headline reads \"%s\" in heavy capitals, with the smaller line \"%s\" below it.", s.text, s.sub),
			fmt.Sprintf("海报标题用粗大的大写字母写着“%s”，下方的小字是“%s”。", s.text, s.sub)}
	case sgNeon:
		return bi{fmt.Sprintf("Glowing %s neon letters spell \"%s\".", col.en, s.text),
			fmt.Sprintf("发光的%s霓虹字母拼出“%s”。", col.zh, s.text)}
	}
	return bi{fmt.Sprintf("Chalk lettering reads \"%s\", with \"%s\" written smaller underneath.", s.text, s.sub),
		fmt.Sprintf("粉笔字写着“%s”，下方小字写着“%s”。", s.text, s.sub)}
}

// imaginativeCap describes the fantastical idea.
func (s scene) imaginativeCap() bi {
	if s.fam == famSurreal {
		switch s.surKind {
		case srIslands:
			return bi{fmt.Sprintf("Chunks of land defy gravity: %s rocky islands crowned with grass float freely in the open sky, thin waterfalls pouring off their edges into the clouds.", numEN[s.islands]),
				fmt.Sprintf("大地违背了重力：%s座长着青草的岩石岛屿在天空中自由漂浮，细细的瀑布从岛边倾泻进云层。", numZH[s.islands])}
		case srGiantFruit:
			return bi{fmt.Sprintf("An impossible sense of scale: a %s as big as a hill rests in the valley, dwarfing the cottage beside it.", fruitEN[s.fruit]),
				fmt.Sprintf("不可思议的比例：一个像小山一样大的%s落在山谷里，让旁边的小屋显得极小。", fruitZH[s.fruit])}
		case srMoons:
			return bi{fmt.Sprintf("The sky of another world holds %s moons at once, each casting its pale light on the water.", numEN[s.moons]),
				fmt.Sprintf("异世界的天空中同时挂着%s个月亮，每一个都在水面上洒下淡淡的光。", numZH[s.moons])}
		}
		return bi{"A planet far larger than any moon looms just above the horizon, as if the desert belonged to another world.",
			"一颗比任何月亮都大得多的行星悬在地平线上方，仿佛这片沙漠属于另一个世界。"}
	}
	return bi{"The scene turns ordinary shapes into a dreamlike, graphic world where colour and rhythm matter more than realism.",
		"画面把普通的形状变成一个梦幻的图形世界，色彩和节奏比写实更重要。"}
}

// styleCap names the style and how it shows.
func (s scene) styleCap() bi {
	return bi{fmt.Sprintf("The image is rendered in a %s style, with %s.", styleEN[s.sty], styleHow[s.sty]),
		fmt.Sprintf("画面采用%s风格，%s。", styleZH[s.sty], styleHowZH[s.sty])}
}

// abstractCap describes the mood (the Affection trait).
func (s scene) abstractCap() bi {
	return bi{fmt.Sprintf("The atmosphere feels %s: %s.", moodEN[s.mood], moodWhy[s.mood]),
		fmt.Sprintf("整体氛围%s：%s。", moodZH[s.mood], moodWhyZH[s.mood])}
}

// originalCap is a LAION-like alt text; noisy ones align poorly.
func (s scene) originalCap(r *rand.Rand) (cap bi, noisy bool) {
	if r.IntN(5) == 0 {
		n := r.IntN(9000) + 1000
		return pick(r, []bi{{fmt.Sprintf("IMG_%d.jpg", n), fmt.Sprintf("IMG_%d.jpg", n)},
			{fmt.Sprintf("stock photo %d free download", n), fmt.Sprintf("免费下载的图库照片 %d", n)},
			{"wallpaper hd 4k desktop background", "高清4K桌面壁纸背景"}}), true
	}
	switch s.fam {
	case famLandscape:
		return bi{fmt.Sprintf("beautiful mountain landscape at %s %s", todEN[s.tod], pick(r, []string{"wallpaper", "illustration", "poster print", "art"})),
			fmt.Sprintf("%s的美丽山景插画", todZH[s.tod])}, false
	case famArrangement:
		return bi{fmt.Sprintf("colorful geometric shapes on %s", settingEN[s.setting]), fmt.Sprintf("%s上的彩色几何图形", settingZH[s.setting])}, false
	case famSign:
		return bi{fmt.Sprintf("%s sign %s", lower(s.text), pick(r, []string{"vintage shop", "street photo", "design mockup"})), fmt.Sprintf("%s招牌", s.textZH)}, false
	case famPattern:
		return bi{fmt.Sprintf("abstract geometric pattern %s", styleEN[s.sty]), fmt.Sprintf("%s风格的抽象几何图案", styleZH[s.sty])}, false
	}
	return bi{"surreal fantasy landscape digital art", "超现实奇幻风景数字艺术"}, false
}

func capFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-32) + s[1:]
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
