package synth

import "image/color"

// named is a colour with its English and Chinese names.
type named struct {
	en, zh string
	c      color.NRGBA
}

// objColours are the colours objects, signs and accents are drawn in.
var objColours = []named{
	{"red", "红色", color.NRGBA{0xd9, 0x3b, 0x3b, 0xff}},
	{"orange", "橙色", color.NRGBA{0xf0, 0x8a, 0x24, 0xff}},
	{"yellow", "黄色", color.NRGBA{0xf5, 0xc8, 0x2a, 0xff}},
	{"green", "绿色", color.NRGBA{0x3f, 0xa3, 0x4d, 0xff}},
	{"teal", "青色", color.NRGBA{0x1f, 0x9e, 0x9a, 0xff}},
	{"blue", "蓝色", color.NRGBA{0x2f, 0x6f, 0xd6, 0xff}},
	{"purple", "紫色", color.NRGBA{0x86, 0x4c, 0xc9, 0xff}},
	{"pink", "粉色", color.NRGBA{0xee, 0x7f, 0xb5, 0xff}},
	{"white", "白色", color.NRGBA{0xf6, 0xf3, 0xec, 0xff}},
	{"black", "黑色", color.NRGBA{0x22, 0x22, 0x2a, 0xff}},
}

// shape kinds of arranged objects.
const (
	shCircle = iota
	shSquare
	shTriangle
	shStar
	shDiamond
	shHexagon
)

var shapeEN = []string{"circle", "square", "triangle", "star", "diamond", "hexagon"}
var shapeZH = []string{"圆形", "正方形", "三角形", "星形", "菱形", "六边形"}

var numEN = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"}
var numZH = []string{"零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十",
	"十一", "十二", "十三", "十四", "十五", "十六"}

// plural returns the English plural of a shape name for count n.
func plural(s string, n int) string {
	if n == 1 {
		return s
	}
	return s + "s"
}

// styles.
const (
	stPainting = iota
	stFlat
	stWatercolour
	stPixel
	stNeon
	stLine
	numStyles
)

var styleEN = []string{"soft digital painting", "flat vector poster", "watercolour", "pixel art", "neon glow", "minimal line art"}
var styleZH = []string{"柔和的数字绘画", "扁平矢量海报", "水彩", "像素艺术", "霓虹发光", "极简线描"}
var styleNoun = []string{"soft digital painting", "flat vector poster", "watercolour painting", "pixel art image", "neon glow illustration", "minimal line drawing"}
var styleHow = []string{
	"smooth vertical gradients and gentle atmospheric haze that fades the distant layers",
	"clean solid fills, crisp edges and a deliberately limited palette with no shading",
	"soft translucent washes whose edges bleed into a grainy paper texture",
	"a coarse grid of square pixels and a small retro palette, every edge stepped",
	"glowing luminous outlines that bloom against a near-black background",
	"thin dark ink outlines on pale paper with only faint tints of colour",
}
var styleHowZH = []string{
	"平滑的垂直渐变和柔和的大气雾气让远处的层次渐渐淡去",
	"干净的纯色填充、清晰的边缘和刻意有限的配色，没有阴影",
	"柔和透明的色层边缘渗入带颗粒感的纸张纹理",
	"粗糙的方形像素网格和复古的小调色板，所有边缘呈阶梯状",
	"发光的轮廓线在近乎黑色的背景上晕开",
	"浅色纸面上的细墨线条，只带有淡淡的色彩",
}

// times of day.
const (
	todDawn = iota
	todDay
	todSunset
	todNight
)

var todEN = []string{"dawn", "midday", "sunset", "night"}
var todZH = []string{"黎明", "正午", "日落", "夜晚"}

// moods (the Affection trait).
const (
	mdCalm = iota
	mdJoyful
	mdMelancholy
	mdMysterious
	mdEnergetic
	mdRomantic
)

var moodEN = []string{"calm", "joyful", "melancholic", "mysterious", "energetic", "romantic"}
var moodZH = []string{"宁静", "欢快", "忧郁", "神秘", "充满活力", "浪漫"}
var moodWhy = []string{
	"the low contrast and slow horizontal lines invite the eye to rest",
	"the warm saturated colours and bright light make the scene feel cheerful",
	"the muted cool tones and fading light leave a quiet, wistful ache",
	"the deep shadows and half-hidden shapes keep something unexplained",
	"the strong contrasts and diagonal rhythm give the picture a lively pulse",
	"the soft warm glow and gentle pink hues feel tender and intimate",
}
var moodWhyZH = []string{
	"低对比度和舒缓的水平线条让视线得以休息",
	"温暖饱和的色彩和明亮的光线让画面显得愉快",
	"柔和的冷色调和渐暗的光线带来一种安静的惆怅",
	"深沉的阴影和半隐半现的形状保留了几分未解之谜",
	"强烈的对比和斜向的节奏让画面充满生机",
	"柔和温暖的光晕和淡淡的粉色调显得温柔而亲密",
}

// settings for arrangements.
const (
	setTable = iota
	setLawn
	setBeach
	setShelf
)

var settingEN = []string{"a wooden table", "a green lawn", "a sandy beach", "a white shelf"}
var settingZH = []string{"木桌", "绿色草坪", "沙滩", "白色架子"}

// landmark entities that can appear in landscapes and entity prompts.
const (
	entNone = iota
	entLighthouse
	entSailboat
	entBalloon
	entHouse
	entWindmill
	numEntities
)

var entityEN = []string{"", "a lighthouse", "a sailboat", "a hot-air balloon", "a small cottage", "a windmill"}
var entityZH = []string{"", "一座灯塔", "一艘帆船", "一个热气球", "一座小屋", "一座风车"}

// Sign words, with a Chinese gloss used in ZH captions (the English text
// itself stays in English, quoted, as in the real dataset).
var signWords = []struct{ en, zh string }{
	{"BAKERY", "面包店"}, {"CAFE", "咖啡馆"}, {"BOOKS", "书店"}, {"FLOWERS", "花店"},
	{"HOTEL", "酒店"}, {"PHARMACY", "药店"}, {"GARAGE", "修车行"}, {"BARBER", "理发店"},
	{"MARKET", "市场"}, {"TEA HOUSE", "茶馆"}, {"RAMEN", "拉面馆"}, {"PIZZA", "披萨店"},
	{"RECORDS", "唱片店"}, {"ANTIQUES", "古董店"}, {"GALLERY", "画廊"}, {"BICYCLES", "自行车店"},
	{"OPEN", "营业中"}, {"NOODLES", "面馆"}, {"JAZZ CLUB", "爵士俱乐部"}, {"DINER", "小餐馆"},
}

var posterWords = []struct{ en, zh string }{
	{"SUMMER FESTIVAL", "夏日节"}, {"JAZZ NIGHT", "爵士之夜"}, {"GRAND OPENING", "盛大开业"},
	{"FRESH BREAD", "新鲜面包"}, {"OPEN LATE", "营业到深夜"}, {"FLEA MARKET", "跳蚤市场"},
	{"ART SHOW", "艺术展"}, {"NIGHT RUN", "夜跑活动"}, {"BOOK FAIR", "书展"}, {"LIVE MUSIC", "现场音乐"},
	{"SPRING SALE", "春季特卖"}, {"FILM CLUB", "电影俱乐部"},
}

var posterSubs = []string{"EVERY FRIDAY 8 PM", "SINCE 1987", "FREE ENTRY", "CITY HALL SQUARE", "SATURDAY 10 AM", "ALL WELCOME", "MAY 12 - 14", "DOORS AT SEVEN"}
