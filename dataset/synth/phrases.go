package synth

import (
	"fmt"
	"strings"
)

// bi is a phrase in English and Chinese.
type bi struct{ en, zh string }

// listEN joins phrases as "a, b and c".
func listEN(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// listZH joins phrases as "甲、乙和丙".
func listZH(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], "、") + "和" + xs[len(xs)-1]
}

// groupPhrase describes a group: "two red circles" / "两个红色圆形".
func groupPhrase(g group) bi {
	size, sizeZH := "", ""
	if g.big {
		size, sizeZH = "large ", "大的"
	}
	col := objColours[g.colour]
	return bi{
		fmt.Sprintf("%s %s%s %s", numEN[g.count], size, col.en, plural(shapeEN[g.shape], g.count)),
		fmt.Sprintf("%s个%s%s%s", numZH[g.count], sizeZH, col.zh, shapeZH[g.shape]),
	}
}

// groupName names a group without its count: "the red circles".
func groupName(g group) bi {
	col := objColours[g.colour]
	return bi{"the " + col.en + " " + plural(shapeEN[g.shape], g.count), col.zh + shapeZH[g.shape]}
}

// celestial describes the sun or moon.
func (s scene) celestialPhrase() bi {
	switch s.celestial {
	case 1:
		if s.tod == todDawn || s.tod == todSunset {
			return bi{"the sun low over the horizon", "低悬在地平线上的太阳"}
		}
		return bi{"the sun high in the sky", "高挂天空的太阳"}
	case 2:
		return bi{"a full moon in the sky", "天空中的一轮满月"}
	}
	return bi{}
}

var todAdj = []bi{{"dawn", "黎明时分的"}, {"sunny midday", "阳光明媚的正午"}, {"sunset", "日落时分的"}, {"night-time", "夜晚的"}}

// side returns "left"/"right" for a landmark.
func side(left bool) bi {
	if left {
		return bi{"left", "左侧"}
	}
	return bi{"right", "右侧"}
}

// subject is a one-phrase summary of the scene.
func (s scene) subject() bi {
	switch s.fam {
	case famLandscape:
		en := fmt.Sprintf("a %s mountain landscape with %s layered ranges", todAdj[s.tod].en, numEN[s.layers])
		zh := fmt.Sprintf("%s山景，有%s层重叠的山峦", todAdj[s.tod].zh, numZH[s.layers])
		if s.water {
			en += " above a calm lake"
			zh += "，下方是平静的湖面"
		} else {
			en += " and green meadows"
			zh += "和绿色草地"
		}
		if s.entity != entNone {
			sd := side(s.entLeft)
			en += fmt.Sprintf(", with %s on the %s", entityEN[s.entity], sd.en)
			zh += fmt.Sprintf("，%s有%s", sd.zh, entityZH[s.entity])
		}
		return bi{en, zh}
	case famArrangement:
		var en, zh []string
		for _, g := range s.groups {
			p := groupPhrase(g)
			en, zh = append(en, p.en), append(zh, p.zh)
		}
		return bi{fmt.Sprintf("%s arranged in a row on %s", listEN(en), settingEN[s.setting]),
			fmt.Sprintf("%s排成一行，放在%s上", listZH(zh), settingZH[s.setting])}
	case famSign:
		col := objColours[s.signColour]
		switch s.signKind {
		case sgShopfront:
			return bi{fmt.Sprintf("a shopfront with a %s sign reading \"%s\" above a striped awning", col.en, s.text),
				fmt.Sprintf("一家店铺的门面，条纹遮阳篷上方的%s招牌写着“%s”", col.zh, s.text)}
		case sgPoster:
			return bi{fmt.Sprintf("a %s poster reading \"%s\" and \"%s\" taped to a wall", col.en, s.text, s.sub),
				fmt.Sprintf("一张贴在墙上的%s海报，上面写着“%s”和“%s”", col.zh, s.text, s.sub)}
		case sgNeon:
			return bi{fmt.Sprintf("a glowing %s neon sign reading \"%s\" on a dark brick wall", col.en, s.text),
				fmt.Sprintf("深色砖墙上一块发光的%s霓虹灯招牌，写着“%s”", col.zh, s.text)}
		}
		return bi{fmt.Sprintf("a sidewalk chalkboard sign reading \"%s\" and \"%s\"", s.text, s.sub),
			fmt.Sprintf("人行道上的一块黑板招牌，写着“%s”和“%s”", s.text, s.sub)}
	case famPattern:
		c0, c1, c2 := objColours[s.colours[0]], objColours[s.colours[1]], objColours[s.colours[2]]
		switch s.patKind {
		case ptRings:
			return bi{fmt.Sprintf("%s concentric rings in alternating %s, %s and %s", numEN[s.patCount], c0.en, c1.en, c2.en),
				fmt.Sprintf("%s个同心圆环，%s、%s和%s交替出现", numZH[s.patCount], c0.zh, c1.zh, c2.zh)}
		case ptGrid:
			return bi{fmt.Sprintf("a %s by %s grid of %s and %s tiles in a checkerboard, each holding a circle", numEN[s.patCount], numEN[s.patCount], c0.en, c1.en),
				fmt.Sprintf("一个%s乘%s的棋盘格图案，%s和%s方块交替，每块中间有一个圆", numZH[s.patCount], numZH[s.patCount], c0.zh, c1.zh)}
		case ptWaves:
			return bi{fmt.Sprintf("%s wavy horizontal bands blending from %s to %s", numEN[s.patCount], c0.en, c1.en),
				fmt.Sprintf("%s条波浪形的水平色带，从%s渐变到%s", numZH[s.patCount], c0.zh, c1.zh)}
		}
		return bi{fmt.Sprintf("a sunburst of %s alternating %s and %s rays around a %s disc", numEN[2*s.patCount], c0.en, c1.en, c2.en),
			fmt.Sprintf("由%s道%s和%s交替的光芒组成的放射图案，中心是一个%s圆盘", numZH[2*s.patCount], c0.zh, c1.zh, c2.zh)}
	}
	switch s.surKind {
	case srIslands:
		return bi{fmt.Sprintf("%s floating islands drifting above a sea of clouds", numEN[s.islands]),
			fmt.Sprintf("%s座漂浮在云海之上的空中岛屿", numZH[s.islands])}
	case srGiantFruit:
		col := objColours[s.fruitCol]
		return bi{fmt.Sprintf("a giant %s %s towering over a tiny cottage in a valley", col.en, fruitEN[s.fruit]),
			fmt.Sprintf("一个巨大的%s%s矗立在山谷中，旁边的小屋显得十分渺小", col.zh, fruitZH[s.fruit])}
	case srMoons:
		return bi{fmt.Sprintf("%s moons hanging over a calm sea", numEN[s.moons]),
			fmt.Sprintf("%s个月亮悬挂在平静的海面上空", numZH[s.moons])}
	}
	return bi{fmt.Sprintf("a giant ringed planet rising over desert dunes at %s", todEN[s.tod]),
		fmt.Sprintf("%s时分，一颗巨大的带环行星从沙丘上升起", todZH[s.tod])}
}
