package judge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/loupe-dev/loupe/vlm"
)

// The pairwise judge asks a VLM which of two pictures made from the same prompt is better on one
// criterion (alignment with the prompt, or aesthetics), with a one-sentence justification, as one JSON
// object {"justification": "...", "winner": "1" | "2" | "tie"}. "Image 1" is always the picture sent
// first and "Image 2" the one sent second; BuildPairBoth asks both orders so that the judge's position
// bias can be measured, and CombinePair turns the two answers into one outcome per model pair.
// ScorePreference is the free second "judge": the preference implied by two absolute 0-10 scores.
//
// Everything here is request building and answer reading: nothing is stored, and the caller (the use
// case behind `loupe judge --pairs`) decides where verdicts go.

// The built-in pairwise rubrics are loupe's own wording with the structure of the single-image rubrics:
// the judge's role, the criterion (the same per-track focus and failure kinds, their point ranges read as
// weights), one JSON object with a one-sentence justification and the decision, and the prompt last.
const pairHead = `You are a strict, careful evaluator of images made by text-to-image models. You will see two images
made from the same text prompt: Image 1 is the first image in this message and Image 2 is the second.
Compare them on one criterion, applied to each image in turn: %s

Look for each of these problems in both images and weigh it by the points a 0-10 grader would deduct for it:
%s
The image whose problems cost fewer points is the winner. Answer "tie" only when neither image is better on
this criterion (both equally good or both equally bad). The order in which the images appear, their size
and their resolution are not reasons to prefer one.

Answer with exactly one JSON object and nothing else:
{{"justification": "<one sentence naming the difference that decided, or why there is none>", "winner": "<1, 2 or tie>"}}

text prompt: {text_prompt}`

// pairGeneral is the alignment criterion for prompts outside the PRISM-Bench tracks.
var pairGeneral = [2]string{"Judge how faithfully the image shows what the prompt asks for: every subject, attribute, count, relation, text and style it names.",
	"- the main subject or scene differs from the prompt: 6-8 points\n- a requested element is missing or replaced by another: 4-6 points\n- a wrong attribute, count, relation or text: 2-4 points each\n- a requested style or mood is absent: 2-4 points\n"}

// pairAesthetics is the aesthetics criterion (the one of the single-image aesthetics rubric).
var pairAesthetics = [2]string{"Judge the image as an image, whatever it depicts: physical, anatomical and logical coherence, artifacts, texture and sharpness. Read the prompt only to know what was intended.",
	"- critical failures (malformed bodies or faces, impossible structures, large artifacts): 7-9 points\n- significant problems (distortions, inconsistent lighting or perspective, smeared regions): 4-6 points\n- minor problems (slight blur, small artifacts, unnatural textures): 1-3 points\n"}

// PairRubricSet is the rubrics of the pairwise judge: alignment by track ("" is the general one, for
// every track without its own), and one aesthetics rubric. Each is a Rubric (Fill, Hash), so a pairwise
// verdict records the hash of the exact text that produced it like any other verdict.
type PairRubricSet struct {
	Name       string
	Alignment  map[string]Rubric // by track; "" is the general alignment rubric
	Aesthetics Rubric
}

// BuiltinPairs returns loupe's own pairwise rubric set ("loupe-pair-v1"): one alignment rubric per
// PRISM-Bench track (the focus and failure kinds of the track's single-image rubric), a general one, and
// aesthetics.
func BuiltinPairs() PairRubricSet {
	set := PairRubricSet{Name: "loupe-pair-v1", Alignment: map[string]Rubric{}}
	for track, f := range trackFocus {
		set.Alignment[track] = Rubric{Track: track, Kind: "alignment", Template: pairRubric(f[0], f[1])}
	}
	set.Alignment[""] = Rubric{Kind: "alignment", Template: pairRubric(pairGeneral[0], pairGeneral[1])}
	set.Aesthetics = Rubric{Kind: "aesthetics", Template: pairRubric(pairAesthetics[0], pairAesthetics[1])}
	return set
}

// For returns the pairwise rubric for a verdict kind ("alignment" or "aesthetics") on a track: the
// track's own alignment rubric, else the general one (its Track is "", and its hash tells the two
// apart in stored verdicts).
func (s PairRubricSet) For(kind, track string) (Rubric, error) {
	switch kind {
	case "aesthetics":
		return s.Aesthetics, nil
	case "alignment":
		if r, ok := s.Alignment[track]; ok {
			return r, nil
		}
		if r, ok := s.Alignment[""]; ok {
			return r, nil
		}
		return Rubric{}, fmt.Errorf("pair rubric set %q has no alignment rubric for track %q", s.Name, track)
	}
	return Rubric{}, fmt.Errorf("pair rubric set %q: kind %q is not alignment or aesthetics", s.Name, kind)
}

// pairRubric fills the pairwise head with a criterion (its first letter lowered: it follows a colon)
// and its failure kinds.
func pairRubric(focus, deductions string) string {
	if focus != "" {
		r := []rune(focus)
		r[0] = unicode.ToLower(r[0])
		focus = string(r)
	}
	return strings.Replace(strings.Replace(pairHead, "%s", focus, 1), "%s", deductions, 1)
}

// Pick is a pairwise judge's answer, by position: the picture sent first, the one sent second, or a tie.
// Its values are the JSON answer's spelling.
type Pick string

// Picks.
const (
	PickFirst  Pick = "1"   // Image 1, the picture sent first
	PickSecond Pick = "2"   // Image 2, the picture sent second
	PickTie    Pick = "tie" // neither is better
)

// Valid reports whether p is one of the three picks.
func (p Pick) Valid() bool { return p == PickFirst || p == PickSecond || p == PickTie }

// pickWords maps the spellings judges use (lower case, single spaces) to picks.
var pickWords = map[string]Pick{
	"1": PickFirst, "first": PickFirst, "1st": PickFirst, "one": PickFirst, "left": PickFirst, "a": PickFirst,
	"2": PickSecond, "second": PickSecond, "2nd": PickSecond, "two": PickSecond, "right": PickSecond, "b": PickSecond,
	"tie": PickTie, "tied": PickTie, "draw": PickTie, "equal": PickTie, "same": PickTie, "both": PickTie,
	"neither": PickTie, "even": PickTie,
}

// ParsePick reads one spelling of a pick, case-insensitively and ignoring surrounding quotes, asterisks,
// brackets and final punctuation: 1, 2, tie; first/second, left/right, A/B, one/two, 1st/2nd, with or
// without "image"/"picture" before them or "image"/"one" after them ("Image 1", "image_2", "left image",
// "the first one"); and tie, draw, equal, same, both, neither. Anything else is not a pick (ok false).
func ParsePick(s string) (p Pick, ok bool) {
	if len(s) > 64 {
		return "", false
	}
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Trim(s, " \t\r\n\"'`*_[]().:;!")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '_' || r == '-' }), " ")
	s = strings.TrimPrefix(s, "the ")
	for _, pre := range []string{"image", "picture", "img", "option"} {
		if rest, cut := strings.CutPrefix(s, pre); cut && rest != "" {
			s = strings.TrimSpace(rest)
			break
		}
	}
	for _, suf := range []string{" image", " picture", " one", " is better"} {
		s = strings.TrimSuffix(s, suf)
	}
	p, ok = pickWords[s]
	return p, ok
}

// winnerKeys are the field names read as the decision, in order of preference (case-insensitive);
// justificationKeys the ones read as the justification.
var (
	winnerKeys        = []string{"winner", "better", "better_image", "preferred", "preference", "choice", "answer", "verdict"}
	justificationKeys = []string{"justification", "reason", "reasoning", "explanation", "rationale"}
)

// ParsePairVerdict reads a pairwise judge's answer: the winner (PickFirst, PickSecond or PickTie) and
// the justification. It tries strict JSON first; then the PRISM-Bench parser's leniency (```json fences,
// trailing commas, single quotes, unquoted keys); then the first balanced JSON object in prose around it
// (FirstJSONObject); then an answer that is a bare pick ("Image 2", "tie"). The decision is the
// "winner" field (or better, better_image, preferred, preference, choice, answer, verdict; keys are
// matched case-insensitively), a string ParsePick reads or the JSON number 1 or 2. The error says what
// was wrong (not JSON, no winner field, a winner that is not 1, 2 or tie); a failed parse returns the
// pick "". It never panics.
func ParsePairVerdict(raw string) (Pick, string, error) {
	p, j, _, err := parsePair(raw)
	return p, j, err
}

// parsePair is ParsePairVerdict, saying how it parsed: ParseStrict, or ParseExtract when the verdict
// was rescued from prose (a JSON object inside it, or a bare pick).
func parsePair(raw string) (Pick, string, string, error) {
	obj, err := pairObject(raw)
	mode := ParseStrict
	if err != nil {
		if inner := FirstJSONObject(raw); inner != "" && strings.TrimSpace(inner) != strings.TrimSpace(raw) {
			if o, err2 := pairObject(inner); err2 == nil {
				obj, err, mode = o, nil, ParseExtract
				// a second object with a decision after it: the judge changed its mind, or answered twice
				rest := raw[strings.Index(raw, inner)+len(inner):]
				if next := FirstJSONObject(rest); next != "" {
					if o2, err3 := pairObject(next); err3 == nil && hasWinnerKey(o2) {
						return "", "", mode, errors.New("more than one answer: the text holds two JSON objects with a decision")
					}
				}
			}
		}
	}
	if err != nil {
		if p, ok := ParsePick(stripFences(raw)); ok {
			return p, "", ParseExtract, nil
		}
		return "", "", mode, fmt.Errorf("not a JSON object: %s", err)
	}
	p, j, err := pairFields(obj)
	return p, j, mode, err
}

// stripFences trims the text and drops a leading ```json (or ```) and a trailing ```.
func stripFences(raw string) string {
	s := strings.TrimSpace(raw)
	s = strings.TrimPrefix(s, "```json")
	s = strings.TrimPrefix(s, "```")
	s = strings.TrimSuffix(s, "```")
	return strings.TrimSpace(s)
}

// pairObject decodes the text as one JSON object: strictly, then with trailing commas removed, then
// with single quotes and unquoted keys allowed. The error is the strict attempt's.
func pairObject(raw string) (map[string]any, error) {
	s := stripFences(raw)
	var firstErr error
	for i, cand := range []string{s, trailingComma.ReplaceAllString(s, "$1"), ""} {
		if i == 2 {
			cand = bareKey.ReplaceAllString(strings.ReplaceAll(trailingComma.ReplaceAllString(s, "$1"), "'", `"`), `$1"$2":`)
		}
		var obj map[string]any
		dec := json.NewDecoder(strings.NewReader(cand))
		dec.UseNumber()
		err := dec.Decode(&obj)
		if err == nil && dec.More() {
			err = errors.New("trailing data after the JSON object")
		}
		if err == nil && obj == nil {
			err = errors.New("null is not an object")
		}
		if err == nil {
			return obj, nil
		}
		if firstErr == nil {
			firstErr = errors.New(jsonSyntaxErr(err))
		}
	}
	return nil, firstErr
}

// hasWinnerKey reports whether a decoded object has one of the decision's field names.
func hasWinnerKey(obj map[string]any) bool {
	for k := range obj {
		if slices.Contains(winnerKeys, strings.ToLower(k)) {
			return true
		}
	}
	return false
}

// pairFields reads the decision and the justification out of a decoded answer.
func pairFields(obj map[string]any) (Pick, string, error) {
	// keys matched case-insensitively; of two spellings of one key, the exact lower-case one, else the
	// first in sorted order, so the answer never depends on map order
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	slices.Sort(names)
	lower := make(map[string]any, len(obj))
	for _, k := range names {
		lk := strings.ToLower(k)
		if _, dup := lower[lk]; !dup || k == lk {
			lower[lk] = obj[k]
		}
	}
	just := ""
	for _, k := range justificationKeys {
		if s, ok := lower[k].(string); ok {
			just = s
			break
		}
	}
	for _, k := range winnerKeys {
		v, ok := lower[k]
		if !ok {
			continue
		}
		switch w := v.(type) {
		case string:
			if p, ok := ParsePick(w); ok {
				return p, just, nil
			}
			return "", just, fmt.Errorf("%s %q is not 1, 2 or tie", k, truncate(w, 60))
		case json.Number:
			if f, err := w.Float64(); err == nil && (f == 1 || f == 2) {
				return map[float64]Pick{1: PickFirst, 2: PickSecond}[f], just, nil
			}
			return "", just, fmt.Errorf("%s %s is not 1, 2 or tie", k, truncate(w.String(), 60))
		case nil:
			return "", just, fmt.Errorf("%s is null, not 1, 2 or tie", k)
		default:
			return "", just, fmt.Errorf("%s is a JSON %s, not 1, 2 or tie", k, jsonKind(v))
		}
	}
	keys := make([]string, 0, len(names))
	for _, k := range names {
		keys = append(keys, truncate(k, 30))
	}
	if len(keys) > 8 {
		keys = append(keys[:8], "...")
	}
	if len(keys) == 0 {
		return "", just, errors.New(`no "winner" field (the object is empty)`)
	}
	return "", just, fmt.Errorf(`no "winner" field (fields: %s)`, strings.Join(keys, ", "))
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "value"
}

// pairSchema is the JSON schema of a pairwise verdict: justification first, so the model reasons
// before it decides; the winner as an enum, which OpenAI strict mode, xgrammar and llama.cpp enforce.
var pairSchema = vlm.Schema{Name: "pair_verdict", Schema: map[string]any{
	"type": "object",
	"properties": map[string]any{
		"justification": map[string]any{"type": "string"},
		"winner":        map[string]any{"type": "string", "enum": []string{string(PickFirst), string(PickSecond), string(PickTie)}},
	},
	"required":             []string{"justification", "winner"},
	"additionalProperties": false,
}}

// pairSlotMIME marks the image part that preparePair duplicates into two.
const pairSlotMIME = "image/x-loupe-pair-slot"

// BuildPair prepares the request asking backend b which of two pictures (encoded images; first is
// Image 1) better meets rubric r for prompt, without sending it. It is the single-image request (Build)
// with two image parts in order: the backend's profile decides where the text goes (gpt: text, then
// Image 1, Image 2; qwen: Image 1, Image 2, then text), each picture passes PreparePicture (the decode
// guard, max_image_side, image_formats, the Qwen pixel bound) and is sent at the backend's detail, and a
// json_schema backend asks for the pairwise verdict's schema ("pair_verdict").
func BuildPair(b *vlm.Backend, r Rubric, prompt string, first, second []byte) (vlm.Prepared, error) {
	text, err := r.Fill(prompt)
	if err != nil {
		return vlm.Prepared{}, err
	}
	p1, err := b.PreparePicture(first)
	if err != nil {
		return vlm.Prepared{}, fmt.Errorf("image 1 (shown first): %w", err)
	}
	p2, err := b.PreparePicture(second)
	if err != nil {
		return vlm.Prepared{}, fmt.Errorf("image 2 (shown second): %w", err)
	}
	return preparePair(b, text, p1, p2)
}

// preparePair builds the two-image request: vlm's single-image builder (Prepare: the profile's
// message layout and settings) with a marked empty picture, whose image part is then replaced by two
// parts, filled with the pictures in order. The body is byte for byte what Prepare would build with one
// picture, but with the image part doubled.
func preparePair(b *vlm.Backend, text string, first, second vlm.Picture) (vlm.Prepared, error) {
	p, err := b.Prepare(text, vlm.Picture{MIME: pairSlotMIME}, pairSchema)
	if err != nil {
		return vlm.Prepared{}, err
	}
	var req struct {
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(p.Body, &req); err != nil {
		return vlm.Prepared{}, fmt.Errorf("backend %q: building the pair request: %w", b.Name, err)
	}
	slotURL := []byte(`"data:` + pairSlotMIME + `;base64,"`)
	var part []byte
	for _, m := range req.Messages {
		var parts []json.RawMessage
		if json.Unmarshal(m.Content, &parts) != nil {
			continue
		}
		for _, pt := range parts {
			if bytes.Contains(pt, slotURL) {
				part = pt
			}
		}
	}
	at := bytes.Index(p.Body, part)
	if part == nil || at < 0 {
		return vlm.Prepared{}, fmt.Errorf("backend %q: building the pair request: no image slot", b.Name)
	}
	slot := bytes.Replace(part, slotURL, []byte(`"`+vlm.ImagePlaceholder+`"`), 1)
	body := make([]byte, 0, len(p.Body)+len(slot)+1)
	body = append(body, p.Body[:at]...)
	body = append(body, slot...)
	body = append(body, ',')
	body = append(body, slot...)
	body = append(body, p.Body[at+len(part):]...)
	// SpliceImage fills the first slot left: Image 1, then Image 2
	if body, err = vlm.SpliceImage(body, first); err != nil {
		return vlm.Prepared{}, fmt.Errorf("backend %q: Image 1: %w", b.Name, err)
	}
	if body, err = vlm.SpliceImage(body, second); err != nil {
		return vlm.Prepared{}, fmt.Errorf("backend %q: Image 2: %w", b.Name, err)
	}
	p.Body = body
	p.Key = vlm.RequestKey(b.Name, b.Model, body)
	p.EstInput += b.ImageTokens(first.W, first.H) + b.ImageTokens(second.W, second.H)
	p.ImageMIME = first.MIME
	return p, nil
}

// Pair is two models' pictures for the same prompt: what a pairwise verdict compares.
type Pair struct {
	Prompt         string
	ModelA, ModelB string // names, for the caller's records (never sent to the judge)
	ImageA, ImageB []byte // the encoded pictures
}

// Order is which model's picture a request shows first.
type Order string

// Orders.
const (
	OrderAB Order = "AB" // A's picture is Image 1
	OrderBA Order = "BA" // B's picture is Image 1
)

// PairRequest is one order of a pair, prepared: which model is in which position, and the request.
type PairRequest struct {
	Order         Order
	First, Second string // the models whose pictures are Image 1 and Image 2
	P             vlm.Prepared
}

// Model returns the model a pick names in this request's order: First for PickFirst, Second for
// PickSecond, "" for a tie or an invalid pick.
func (r PairRequest) Model(p Pick) string {
	switch p {
	case PickFirst:
		return r.First
	case PickSecond:
		return r.Second
	}
	return ""
}

// BuildPairBoth prepares both orders of a pair under rubric r for backend b: [0] shows A's picture
// first (OrderAB), [1] B's (OrderBA). Each picture is prepared once and used in both requests. Asking
// both is how position bias is measured: a judge without it names the same model in both orders.
func BuildPairBoth(b *vlm.Backend, r Rubric, p Pair) ([2]PairRequest, error) {
	var out [2]PairRequest
	text, err := r.Fill(p.Prompt)
	if err != nil {
		return out, err
	}
	pa, err := b.PreparePicture(p.ImageA)
	if err != nil {
		return out, fmt.Errorf("picture of %q: %w", p.ModelA, err)
	}
	pb, err := b.PreparePicture(p.ImageB)
	if err != nil {
		return out, fmt.Errorf("picture of %q: %w", p.ModelB, err)
	}
	ab, err := preparePair(b, text, pa, pb)
	if err != nil {
		return out, err
	}
	ba, err := preparePair(b, text, pb, pa)
	if err != nil {
		return out, err
	}
	out[0] = PairRequest{Order: OrderAB, First: p.ModelA, Second: p.ModelB, P: ab}
	out[1] = PairRequest{Order: OrderBA, First: p.ModelB, Second: p.ModelA, P: ba}
	return out, nil
}

// PairVerdict is a pairwise judge's answer to one request. Pick is set when it parsed; otherwise Error
// says why the verdict failed (a refusal, a content filter, an answer that does not parse, a terminal
// HTTP error): a failed verdict is a result to keep, never a tie.
type PairVerdict struct {
	Pick          Pick // "" when the verdict failed
	Justification string
	Raw           string // the model's text (or refusal)
	Error         string // why the verdict failed, "" if it did not
	Parse         string // ParseExtract when the answer was taken out of prose around it
	Key           string // the request key (vlm.Prepared.Key)
	Response      []byte // the raw 200 body, to cache under Key; nil when there was none
	InputTokens   int
	OutputTokens  int
}

// InterpretPair reads a chat completion body as a pairwise verdict, as Interpret does for scores: a
// refusal or a content filter is a failed verdict; a truncated answer is parsed all the same and fails
// only if it does not parse.
func InterpretPair(body []byte) PairVerdict {
	c, err := vlm.ParseCompletion(body)
	if err != nil {
		return PairVerdict{Error: err.Error(), Raw: truncate(string(body), 2000)}
	}
	v := PairVerdict{Raw: c.Content, InputTokens: c.InputTokens, OutputTokens: c.OutputTokens}
	switch {
	case c.Refusal != "":
		v.Raw, v.Error = c.Refusal, "refused: "+truncate(c.Refusal, 200)
		return v
	case c.FinishReason == "content_filter":
		v.Error = "refused: the content filter stopped the answer"
		return v
	}
	p, j, mode, err := parsePair(c.Content)
	if err != nil {
		v.Error = err.Error()
		if c.FinishReason == "length" {
			v.Error = "truncated at the token limit: " + v.Error
		}
		return v
	}
	v.Pick, v.Justification, v.Parse = p, j, mode
	return v
}

// SendPair sends a prepared pairwise request through c and reads the answer. err is set only when the
// call produced nothing to keep (a transient failure that ran out of retries, a fatal one such as a bad
// key, or ctx ending): the verdict stays open for the next run. A terminal failure (the server rejected
// the request, a context-length or content-policy error) is a failed verdict. The API key is redacted
// from everything returned.
func SendPair(ctx context.Context, c *vlm.Client, p vlm.Prepared) (PairVerdict, error) {
	red := c.Redactor()
	body, err := c.Send(ctx, p)
	if err != nil {
		var ce *vlm.CallError
		if errors.As(err, &ce) && ce.Terminal() {
			return PairVerdict{Error: red.String(ce.Error()), Key: p.Key}, nil
		}
		return PairVerdict{Key: p.Key}, red.Error(err)
	}
	v := InterpretPair(body)
	v.Key, v.Response = p.Key, body
	if red.Active() {
		v.Justification, v.Raw, v.Error = red.String(v.Justification), red.String(v.Raw), red.String(v.Error)
		v.Response = red.JSON(v.Response)
	}
	return v, nil
}

// PairOutcome is what a pair's verdicts say about its two models.
type PairOutcome string

// Outcomes.
const (
	OutcomeA            PairOutcome = "A"            // model A's picture is better
	OutcomeB            PairOutcome = "B"            // model B's picture is better
	OutcomeTie          PairOutcome = "tie"          // neither is better
	OutcomeInconsistent PairOutcome = "inconsistent" // the judge picked the same position in both orders
)

// Winner returns the winning model's name for outcome A or B, "" otherwise.
func (o PairOutcome) Winner(modelA, modelB string) string {
	switch o {
	case OutcomeA:
		return modelA
	case OutcomeB:
		return modelB
	}
	return ""
}

// CombinePair combines the judge's picks in the two orders of a pair - aFirst when A's picture was
// Image 1 (OrderAB), bFirst when B's was (OrderBA) - into one outcome:
//
//   - the same model both times: that model (OutcomeA or OutcomeB);
//   - tie both times: OutcomeTie;
//   - a win in one order and a tie in the other: OutcomeTie (a preference counts only when it survives
//     the swap, the conservative rule of MT-Bench's pairwise judge);
//   - the same position both times (1 and 1, or 2 and 2), so a different model each time:
//     OutcomeInconsistent, the answer followed the position, not the pictures.
//
// An invalid pick (a failed verdict) is an error: a pair is combined only when both verdicts exist.
func CombinePair(aFirst, bFirst Pick) (PairOutcome, error) {
	if !aFirst.Valid() || !bFirst.Valid() {
		return "", fmt.Errorf("combining a pair needs both orders' picks (1, 2 or tie), not %q and %q", truncate(string(aFirst), 20), truncate(string(bFirst), 20))
	}
	// each order's pick as a model: +1 A, -1 B, 0 tie
	m := func(p Pick, aIs Pick) int {
		switch p {
		case PickTie:
			return 0
		case aIs:
			return 1
		}
		return -1
	}
	x, y := m(aFirst, PickFirst), m(bFirst, PickSecond)
	switch {
	case x == 1 && y == 1:
		return OutcomeA, nil
	case x == -1 && y == -1:
		return OutcomeB, nil
	case x != 0 && y != 0: // one A, one B: the same position both times
		return OutcomeInconsistent, nil
	}
	return OutcomeTie, nil
}

// CombineOrders combines the verdicts of a pair's two requests (as BuildPairBoth returned them, in any
// order: each request's Order says which is which) with CombinePair. A failed verdict or two requests
// of the same order is an error.
func CombineOrders(reqs [2]PairRequest, verdicts [2]PairVerdict) (PairOutcome, error) {
	var ab, ba Pick
	seen := map[Order]bool{}
	for i, r := range reqs {
		if verdicts[i].Error != "" {
			return "", fmt.Errorf("order %s: the verdict failed: %s", r.Order, truncate(verdicts[i].Error, 200))
		}
		switch r.Order {
		case OrderAB:
			ab = verdicts[i].Pick
		case OrderBA:
			ba = verdicts[i].Pick
		default:
			return "", fmt.Errorf("request %d: order %q is not AB or BA", i, r.Order)
		}
		if seen[r.Order] {
			return "", fmt.Errorf("both requests are order %s", r.Order)
		}
		seen[r.Order] = true
	}
	return CombinePair(ab, ba)
}

// ScoreTieEpsilon is ScorePreference's default tolerance: two scores closer than this are a tie. It
// only absorbs floating-point noise, so single 0-10 verdicts (integers) tie exactly when they are equal;
// a caller comparing means of several samples or judges may pass a wider margin (0.5, say).
const ScoreTieEpsilon = 1e-9

// ScorePreference is the preference implied by two absolute scores (0-10) for the same prompt and
// dimension - the free second pairwise "judge": OutcomeA when A's score is higher by more than eps,
// OutcomeB when B's is, OutcomeTie when |a-b| <= eps. A score that is not a number in 0-10, or a
// negative or NaN eps, is an error.
func ScorePreference(scoreA, scoreB, eps float64) (PairOutcome, error) {
	for _, s := range []float64{scoreA, scoreB} {
		if math.IsNaN(s) || s < 0 || s > 10 {
			return "", fmt.Errorf("score %v is not a number within 0-10", s)
		}
	}
	if math.IsNaN(eps) || eps < 0 {
		return "", fmt.Errorf("tie margin %v must be a number >= 0", eps)
	}
	switch d := scoreA - scoreB; {
	case d > eps:
		return OutcomeA, nil
	case -d > eps:
		return OutcomeB, nil
	}
	return OutcomeTie, nil
}
