package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
)

// Answer produces the JSON answer a capable VLM would give to a step's request text: plausible
// content, deterministic from a hash of the text, for tests and the offline demo. Now and then (by
// hash) it takes the messy forms real models produce: a ```json fence, trailing commas, a sentence
// before the object. The translate answer is a fake translation ("【译】" and Chinese filler) that
// keeps every render string verbatim in “”, so CheckTranslation passes. Unknown steps get "{}".
func Answer(stepName string, userText string, hasImage bool) string {
	h := fnv.New64a()
	h.Write([]byte(stepName + "\x00" + userText))
	seed := h.Sum64()
	r := &rng{s: seed | 1}
	prompt := between(userText, "<prompt>\n", "\n</prompt>")
	var fields []kv
	switch stepName {
	case "expand":
		twists := []string{"floating upside down above a sea of clouds", "made entirely of stained glass", "inside a giant hourglass", "where gravity runs sideways", "grown from a single ancient tree", "reflected in a mirror that shows another season", "drawn in glowing chalk across the night sky", "shrunk to fit inside a teacup"}
		var ps []string
		for i := 0; i < ExpandCount; i++ {
			t := twists[(int(seed%97)+i*3)%len(twists)]
			ps = append(ps, fmt.Sprintf("%s, %s, cinematic lighting, rich detail.", strings.TrimSuffix(oneLine(prompt, "A quiet village"), "."), t))
		}
		fields = append(fields, kv{"prompts", ps})
	case "rewrite":
		c := oneLine(between(userText, "<caption>\n", "\n</caption>"), "an outdoor scene")
		fields = append(fields, kv{"prompt", fmt.Sprintf("A detailed photograph showing %s, in the centre of the frame with a softly blurred background, natural daylight from the left, muted colours and a shallow depth of field.", strings.TrimSuffix(c, "."))})
	case "quality":
		c, s := 5+r.n(6), 4+r.n(7)
		fields = append(fields, kv{"analysis", fmt.Sprintf("The image is %s; %s.", pick(c >= 8, "sharp with clean edges", "slightly soft in places"), pick(s >= 8, "shapes and anatomy are coherent", "one hand shows fused fingers"))}, kv{"clarity", c}, kv{"structure", s})
	case "traits":
		quoted := len(RenderStrings(prompt)) > 0
		text := r.n(3)
		if quoted {
			text = 7 + r.n(4)
		}
		fields = append(fields, kv{"analysis", "The picture has a clear subject and a deliberate layout; " + pick(quoted, "legible text is a key element.", "it contains no meaningful text.")},
			kv{"imagination", 1 + r.n(10)}, kv{"entity", 1 + r.n(10)}, kv{"text", text}, kv{"style", 3 + r.n(8)}, kv{"affection", 2 + r.n(9)}, kv{"composition", 3 + r.n(8)})
	case "mine-text":
		has := hasImage && r.n(3) == 0
		text := ""
		if has {
			text = []string{"OPEN 24 HOURS", "Fresh Bread Daily", "GRAND OPENING\nSaturday", "Café de Flore", "NO PARKING"}[r.n(5)]
		}
		fields = append(fields, kv{"text", text}, kv{"has_text", has})
	case "typography":
		want := oneLine(between(userText, "<text>\n", "\n</text>"), "HELLO")
		got, corr := want, 8+r.n(3)
		if r.n(4) == 0 {
			got, corr = strings.ToLower(want), 5+r.n(3)
		}
		leg := 5 + r.n(6)
		fields = append(fields, kv{"rendered_text", got}, kv{"analysis", fmt.Sprintf("The text reads %q; %s.", got, pick(leg >= 7, "it is crisp and high-contrast", "the letters are slightly warped"))}, kv{"legibility", leg}, kv{"correctness", corr})
	case "captions":
		p := oneLine(prompt, "a scene")
		rs := RenderStrings(prompt)
		text := ""
		if len(rs) > 0 {
			var q []string
			for _, s := range rs {
				q = append(q, `"`+s+`"`)
			}
			text = fmt.Sprintf("The picture shows the words %s in bold sans-serif letters, white on a dark ground, centred in the upper third and fully legible.", strings.Join(q, " and "))
		}
		fields = append(fields,
			kv{"composition", "The main subject stands slightly left of centre in the foreground, with secondary elements receding toward a horizon in the upper third; " + clip(p, 120)},
			kv{"entity", pick(r.n(2) == 0, "", "The scene features recognisable real-world objects rendered with accurate proportions and materials.")},
			kv{"text", text},
			kv{"imaginative", pick(r.n(2) == 0, "", "Ordinary objects take on impossible scale and behaviour, blending the familiar with the dreamlike.")},
			kv{"style", "Rendered with soft volumetric light, a warm palette of amber and teal, and fine painterly texture."},
			kv{"abstract", "The mood is calm and contemplative, with a quiet sense of wonder."})
	case "gcot":
		d := fmt.Sprintf("The image begins with its overall scene: %s. The main subject is placed left of centre to leave room for the background, which recedes toward a low horizon to create depth. Secondary elements frame the subject and guide the eye inward. Warm side light models the forms and sets the palette, while soft shadows anchor each object to the ground.", clip(oneLine(prompt, "a scene"), 200))
		rs := RenderStrings(prompt)
		for _, c := range taggedCaptions(userText) {
			rs = append(rs, RenderStrings(c[1])...)
		}
		if len(rs) > 0 {
			d += fmt.Sprintf(" The text \"%s\" is rendered clearly in the upper third so it reads at a glance.", rs[0])
		}
		d += " Together these choices produce a calm, inviting atmosphere."
		fields = append(fields, kv{"detail", d})
	case "align-original":
		s := r.n(11)
		fields = append(fields, kv{"analysis", pick(s >= 6, "The caption names the main subject and setting correctly.", "The caption mentions things the picture does not show.")}, kv{"original_alignment", s})
	case "translate":
		filler := []string{"画面中", "图像展示了", "这幅图描绘了", "画面里可以看到"}
		var ts []map[string]string
		for _, c := range taggedCaptions(userText) {
			zh := "【译】" + filler[(int(seed%13)+len(ts))%len(filler)] + "一个精心构图的场景"
			for _, s := range RenderStrings(c[1]) {
				zh += "，文字“" + s + "”"
			}
			zh += "。"
			ts = append(ts, map[string]string{"kind": c[0], "zh": zh})
		}
		fields = append(fields, kv{"translations", ts})
	default:
		return "{}"
	}
	body := encodeOrdered(fields, seed%5 == 2)
	switch seed % 7 {
	case 1:
		return "```json\n" + body + "\n```"
	case 4:
		return "Here is the JSON answer:\n" + body
	}
	return body
}

type kv struct {
	k string
	v any
}

// encodeOrdered writes the fields in order, indented like a model's answer; with trailing, commas
// before every closing bracket.
func encodeOrdered(fields []kv, trailing bool) string {
	var b strings.Builder
	b.WriteString("{\n")
	for i, f := range fields {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("  ", "  ")
		_ = enc.Encode(f.v)
		k, _ := json.Marshal(f.k)
		fmt.Fprintf(&b, "  %s: %s", k, strings.TrimSpace(buf.String()))
		if i < len(fields)-1 || trailing {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}")
	s := b.String()
	if trailing {
		s = strings.ReplaceAll(s, "\"\n  ]", "\",\n  ]")
	}
	return s
}

// taggedCaptions reads the <caption kind="..."> blocks of a request text: [kind, text] pairs.
func taggedCaptions(text string) [][2]string {
	var out [][2]string
	for {
		i := strings.Index(text, "<caption kind=\"")
		if i < 0 {
			return out
		}
		text = text[i+len("<caption kind=\""):]
		q := strings.Index(text, "\">\n")
		e := strings.Index(text, "\n</caption>")
		if q < 0 || e < q {
			return out
		}
		out = append(out, [2]string{text[:q], text[q+3 : e]})
		text = text[e:]
	}
}

func between(s, open, close string) string {
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	s = s[i+len(open):]
	j := strings.Index(s, close)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func oneLine(s, def string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return def
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// rng is a small xorshift generator seeded from the request's hash.
type rng struct{ s uint64 }

func (r *rng) n(k int) int {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return int(r.s % uint64(k))
}
