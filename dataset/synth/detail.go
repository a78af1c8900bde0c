package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// lightCap describes light and palette by time of day.
func (s scene) lightCap() bi {
	if s.sty == stNeon {
		return bi{"Almost all light comes from the glowing lines themselves, so the darkness around them stays deep and the colours read as electric.",
			"几乎所有的光都来自发光的线条本身，因此周围的黑暗依然深沉，色彩显得格外鲜亮。"}
	}
	switch s.fam {
	case famArrangement:
		return bi{"Soft even light falls from above, leaving a small oval shadow under each object that grounds it on the surface.",
			"柔和均匀的光线从上方洒下，每个物体下方都留有一小块椭圆形阴影，让它们稳稳地落在表面上。"}
	case famSign:
		return bi{"The lettering is set in high contrast against its background so that every character stays crisp and readable from a distance.",
			"文字与背景形成强烈对比，每个字母即使从远处看也清晰可读。"}
	case famPattern:
		return bi{"There is no light source at all; the flat colour fields carry the image, and their contrasts do the work that shading would do in a painting.",
			"画面中没有光源，平涂的色块撑起了整幅图像，色彩之间的对比承担了绘画中明暗的作用。"}
	}
	switch s.tod {
	case todDawn:
		return bi{"Early light turns the sky from cool blue at the top to a soft peach glow near the horizon.", "清晨的光线让天空从顶部的冷蓝色过渡到地平线附近柔和的桃色。"}
	case todDay:
		return bi{"Clear midday light gives a saturated blue sky that fades to pale cyan near the horizon.", "晴朗的正午阳光带来饱和的蓝天，在地平线附近渐变为浅青色。"}
	case todSunset:
		return bi{"Sunset light runs from deep indigo overhead through magenta to warm orange at the horizon.", "日落的光线从头顶的深靛蓝经过洋红色过渡到地平线上温暖的橙色。"}
	}
	return bi{"Night light is cool and dim, a dark navy sky scattered with small stars.", "夜晚的光线清冷而昏暗，深蓝色的天空中点缀着细小的星星。"}
}

// fillers are generic reasoning sentences; the first applies only to
// layered outdoor scenes.
var fillers = []bi{
	{"The eye enters from the lower edge and travels upward through overlapping shapes, which is why the nearest elements are the darkest and the most saturated.",
		"视线从下边缘进入，沿着层层重叠的形状向上移动，所以最近的元素最暗、最饱和。"},
	{"Negative space is kept open on purpose so that the main subject can breathe and still reads clearly as a small thumbnail.",
		"画面刻意保留了留白，让主体有呼吸的空间，即使缩成小图也清晰可辨。"},
	{"Edges stay clean where shapes meet, avoiding awkward tangents that would flatten the sense of depth.",
		"形状相接处的边缘保持干净，避免了会削弱纵深感的尴尬切线。"},
	{"Colour temperature does much of the storytelling: warm accents pull forward while cooler tones recede into the distance.",
		"色温承担了大部分叙事：暖色点缀向前突出，冷色调则退向远方。"},
	{"Nothing important is cropped by the borders; every element sits fully inside the frame, which makes the counts and positions easy to verify.",
		"重要元素都没有被边框裁切，每个元素都完整地位于画面之内，便于核对数量和位置。"},
	{"The balance is asymmetrical but stable, visual weight on one side answered by calmer, emptier space on the other.",
		"画面的平衡是不对称却稳定的，一侧的视觉重量由另一侧较空、较安静的空间来呼应。"},
	{"Repetition of similar shapes creates a steady rhythm, while a single change in size or colour gives the eye a place to rest.",
		"相似形状的重复形成稳定的节奏，而一处大小或颜色的变化给视线提供了停留的地方。"},
	{"Fine detail is limited deliberately so that the image stays readable at small sizes and the main idea is grasped at a glance.",
		"细节被刻意控制，使图像在小尺寸下依然清楚，一眼就能抓住主要意图。"},
	{"The palette is restricted to a few related hues, which keeps the picture coherent and lets the one contrasting accent stand out.",
		"配色限制在几种相近的色相之内，使画面统一，也让唯一的对比色更加突出。"},
}

// detailCap builds the long GCoT-style paragraph (never empty, roughly
// 600-1400 characters in English).
func (s scene) detailCap(r *rand.Rand) bi {
	subj := s.subject()
	parts := []bi{
		{fmt.Sprintf("This %s depicts %s.", styleNoun[s.sty], subj.en), fmt.Sprintf("这是一幅%s风格的图像，描绘了%s。", styleZH[s.sty], subj.zh)},
		s.compositionCap(),
	}
	if s.fam == famSign {
		parts = append(parts, s.textCap())
	}
	if s.fam == famSurreal {
		parts = append(parts, s.imaginativeCap())
	}
	parts = append(parts, s.lightCap(),
		bi{fmt.Sprintf("The %s style was chosen for its %s, which suits the subject.", styleEN[s.sty], styleHow[s.sty]),
			fmt.Sprintf("之所以选择%s风格，是因为%s，与主题相得益彰。", styleZH[s.sty], styleHowZH[s.sty])},
		bi{fmt.Sprintf("The intended mood is %s, because %s.", moodEN[s.mood], moodWhy[s.mood]),
			fmt.Sprintf("预期的情绪是%s的，因为%s。", moodZH[s.mood], moodWhyZH[s.mood])})
	target := 650 + r.IntN(700)
	n := 0
	for _, p := range parts {
		n += len(p.en) + 1
	}
	start := r.IntN(len(fillers))
	for k := 0; k < len(fillers); k++ {
		fi := (start + k) % len(fillers)
		if fi == 0 && s.fam != famLandscape && s.fam != famSurreal {
			continue
		}
		f := fillers[fi]
		if n >= 600 && (n >= target || n+len(f.en) > 1400) {
			break
		}
		parts = append(parts, f)
		n += len(f.en) + 1
	}
	var en, zh strings.Builder
	en.Grow(n)
	for i, p := range parts {
		if i > 0 {
			en.WriteByte(' ')
		}
		en.WriteString(p.en)
		zh.WriteString(p.zh)
	}
	return bi{en.String(), zh.String()}
}
