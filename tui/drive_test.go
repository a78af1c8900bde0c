package tui

import (
	"reflect"

	tea "charm.land/bubbletea/v2"
)

// drain runs cmd's tree synchronously, as the program would run it: batches are expanded and every other
// message goes to visit, whose command joins the queue. It gives up after limit commands (0: no limit)
// and reports whether everything settled.
func drain(cmd tea.Cmd, limit int, visit func(tea.Msg) tea.Cmd) bool {
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if limit > 0 && n > limit {
			return false
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if cmds, ok := sequence(msg); ok {
			queue = append(queue, cmds...)
			continue
		}
		queue = append(queue, visit(msg))
	}
	return true
}

// sequence unpacks tea.Sequence's message (an unexported []tea.Cmd type) into its commands, in order.
// A tea.BatchMsg is a []tea.Cmd too: test for it first.
func sequence(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return nil, false
	}
	cmds := make([]tea.Cmd, v.Len())
	for i := range cmds {
		cmds[i] = v.Index(i).Interface().(tea.Cmd)
	}
	return cmds, true
}
