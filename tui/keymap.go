package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Actions are the review screen's rebindable actions with their default keys. The first key of each is
// its canonical key: the one the screen's code switches on.
var Actions = []struct {
	Name string
	Keys []string
}{
	{"accept", []string{"a"}}, {"reject", []string{"x"}}, {"skip", []string{"space"}}, {"skip-broken", []string{"b"}},
	{"undo", []string{"u", "backspace"}}, {"undo-walk", []string{"U"}}, {"next", []string{"j", "right", "down"}},
	{"previous", []string{"k", "left", "up"}}, {"first", []string{"g", "home"}}, {"last", []string{"G", "end"}},
	{"next-undecided", []string{"n"}}, {"jump", []string{":"}}, {"history", []string{"h"}},
	{"focus-next", []string{"tab"}}, {"focus-previous", []string{"shift+tab"}}, {"agree", []string{"enter"}},
	{"override", []string{"e"}}, {"note", []string{"N"}}, {"flag", []string{"f"}}, {"filter", []string{"/"}},
	{"sort", []string{"o"}}, {"language", []string{"t"}}, {"zoom", []string{"z"}}, {"scroll-down", []string{"pgdown", "J"}},
	{"scroll-up", []string{"pgup", "K"}}, {"rejudge", []string{"R"}}, {"stats", []string{"S"}}, {"export", []string{"E"}},
	{"pipeline-step", []string{"P"}}, {"guidelines", []string{"i"}}, {"help", []string{"?"}}, {"quit", []string{"q"}},
}

// keysOf returns the keys bound to an action under km, for the help ("a" or "j/right/down").
func (km Keymap) keysOf(action string) string {
	var canon string
	var defaults []string
	for _, a := range Actions {
		if a.Name == action {
			canon, defaults = a.Keys[0], a.Keys
		}
	}
	if km == nil {
		return strings.Join(defaults, "/")
	}
	var out []string
	for k, c := range km {
		if c == canon && c != "" {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { // the default's order first, then the rest alphabetically
		ii, ji := slices.Index(defaults, out[i]), slices.Index(defaults, out[j])
		switch {
		case ii >= 0 && ji >= 0:
			return ii < ji
		case ii >= 0 || ji >= 0:
			return ii >= 0
		}
		return out[i] < out[j]
	})
	if len(out) == 0 {
		return "(unbound)"
	}
	return strings.Join(out, "/")
}

// Keymap translates pressed keys to the canonical keys of their actions ("" for a default key the
// configuration moved elsewhere). Keys it does not know (digits, ctrl+c) pass through unchanged.
type Keymap map[string]string

// NewKeymap builds the keymap from the defaults and the configuration's overrides (action -> keys). An
// unknown action, or a key bound to two actions, is an error naming them.
func NewKeymap(overrides map[string][]string) (Keymap, error) {
	bind := map[string][]string{}
	canon := map[string]string{}
	for _, a := range Actions {
		bind[a.Name] = a.Keys
		canon[a.Name] = a.Keys[0]
	}
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := bind[name]; !ok {
			var known []string
			for _, a := range Actions {
				known = append(known, a.Name)
			}
			return nil, fmt.Errorf("keys: unknown action %q (actions: %s)", name, strings.Join(known, ", "))
		}
		if len(overrides[name]) == 0 {
			return nil, fmt.Errorf("keys: %s has no key", name)
		}
		bind[name] = overrides[name]
	}
	km := Keymap{}
	owner := map[string]string{}
	for _, a := range Actions {
		for _, k := range bind[a.Name] {
			if k >= "0" && k <= "9" && len(k) == 1 {
				return nil, fmt.Errorf("keys: %s: digits set scores and cannot be rebound", a.Name)
			}
			if o, taken := owner[k]; taken {
				return nil, fmt.Errorf("keys: %q is bound to both %s and %s", k, o, a.Name)
			}
			owner[k] = a.Name
			km[k] = canon[a.Name]
		}
	}
	for _, a := range Actions { // default keys now bound to nothing do nothing
		for _, k := range a.Keys {
			if _, ok := km[k]; !ok {
				km[k] = ""
			}
		}
	}
	return km, nil
}

// translate maps a pressed key to what the screen's code expects.
func (km Keymap) translate(s string) string {
	if km == nil {
		return s
	}
	if c, ok := km[s]; ok {
		return c
	}
	return s
}
