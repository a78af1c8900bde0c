package pipeline

import (
	"slices"
	"strings"
	"testing"
)

func TestRenderStrings(t *testing.T) {
	cases := []struct {
		en   string
		want []string
	}{
		{`A sign reading "OPEN" and “Closed Sundays”.`, []string{"OPEN", "Closed Sundays"}},
		{`A mug that says 'Don't Panic' next to the kids' toys.`, []string{"Don't Panic"}},
		{`It doesn't say anything; the artist's name isn't shown.`, nil},
		{`Curly: ‘Rock’n’Roll’ and don’t stop.`, []string{"Rock’n’Roll"}},
		{`Titles «Le Monde», 「東京」, 『夢』 and 《三体》.`, []string{"Le Monde", "東京", "夢", "三体"}},
		{`The word "OPEN" appears twice: "OPEN".`, []string{"OPEN"}},
		{`A poster "  SALE 50%  " and an unclosed "quote`, []string{"SALE 50%"}},
		{`Empty "" quotes and '90s style`, nil},
		{`Nested 「He said 『hi』」 here`, []string{"He said 『hi』"}},
	}
	for _, c := range cases {
		if got := RenderStrings(c.en); !slices.Equal(got, c.want) {
			t.Errorf("RenderStrings(%q) = %q, want %q", c.en, got, c.want)
		}
	}
}

func TestCheckTranslation(t *testing.T) {
	en := `A neon sign reads "OPEN 24 HOURS" above a door with 'Joe's Diner' and “Fresh Coffee” on the window; it doesn't rain.`
	pass := []string{
		`霓虹灯招牌上写着“OPEN 24 HOURS”，门上方有“Joe's Diner”，橱窗上写着“Fresh Coffee”；没有下雨。`,
		`招牌写着「OPEN 24 HOURS」。门上写着『Joe's Diner』，窗上是《Fresh Coffee》。`,
		`招牌：OPEN 24 HOURS。店名"Joe's Diner"，窗上写着Fresh Coffee。`,
		`招牌上写着 OPEN 24 HOURS ，店名 'Joe's Diner'，以及 Fresh Coffee。`,
	}
	for _, zh := range pass {
		if err := CheckTranslation(en, zh); err != nil {
			t.Errorf("%s: %v", zh, err)
		}
	}
	fail := []struct{ zh, want string }{
		{`招牌写着“24小时营业”，门上写着“Joe's Diner”，窗上写着“Fresh Coffee”。`, `"OPEN 24 HOURS" is missing`},
		{`招牌写着“Open 24 Hours”，门上写着“Joe's Diner”，窗上写着“Fresh Coffee”。`, `"OPEN 24 HOURS" appears with its case changed`},
		{`招牌写着“OPEN24 HOURS”，门上写着“Joe's Diner”，窗上写着“Fresh Coffee”。`, `"OPEN 24 HOURS" appears with its spacing changed`},
		{`招牌写着“OPEN 24 HOURS”，门上写着“Joe’s Diner”，窗上写着“Fresh Coffee”。`, `"Joe's Diner" is missing`},
		{`招牌写着“OPEN 24 HOURS”，门上写着“Joe's Diner”，窗上写着“新鲜咖啡”。`, `"Fresh Coffee"`},
		{`招牌写着“OPEN 24 HOURSS”，门上写着“Joe's Diner”，窗上写着“Fresh Coffee”。`, "inside a longer word"},
	}
	for _, c := range fail {
		err := CheckTranslation(en, c.zh)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.zh, err, c.want)
		}
	}
	// Several missing strings are all named.
	err := CheckTranslation(en, "招牌。")
	for _, s := range []string{"OPEN 24 HOURS", "Joe's Diner", "Fresh Coffee"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("missing %q not named: %v", s, err)
		}
	}
	// No render strings: anything passes.
	if err := CheckTranslation("A quiet lake; it isn't windy.", "安静的湖面。"); err != nil {
		t.Error(err)
	}
	// Chinese render text in the English caption.
	if err := CheckTranslation(`A scroll with 「福」 written on it`, `卷轴上写着“福”字。`); err != nil {
		t.Error(err)
	}
}
