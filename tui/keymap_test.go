package tui

import (
	"strings"
	"testing"
)

func TestKeymap(t *testing.T) {
	km, err := NewKeymap(map[string][]string{"accept": {"y", "a"}, "reject": {"r"}, "next": {"l"}})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"y": "a", "a": "a", "r": "x", "x": "", "l": "j", "j": "", "right": "", "k": "k", "left": "k", "5": "5", "ctrl+c": "ctrl+c"} {
		if got := km.translate(in); got != want {
			t.Errorf("translate(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []map[string][]string{
		{"acept": {"y"}},
		{"accept": {"x"}},
		{"accept": {}},
		{"quit": {"7"}},
	} {
		if _, err := NewKeymap(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	_, err = NewKeymap(map[string][]string{"accept": {"x"}})
	if err == nil || !strings.Contains(err.Error(), `"x" is bound to both accept and reject`) {
		t.Errorf("conflict message: %v", err)
	}
	if (Keymap(nil)).translate("a") != "a" {
		t.Error("nil keymap")
	}
}

func TestRebindAcceptInTheScreen(t *testing.T) {
	st := workspace(t)
	km, _ := NewKeymap(map[string][]string{"accept": {"y"}})
	m := open(t, st, false, 120, 40)
	m.cfg.Keys = km
	press(t, m, "a") // no longer accept
	press(t, m, "y")
	var n int
	st.DB.QueryRow(`SELECT count(*) FROM human_current WHERE dimension_id = 12 AND value = 1`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d accepts, want 1 (from y only)", n)
	}
}
