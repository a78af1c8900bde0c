package tui

import (
	"image/color"
	"os"

	"charm.land/lipgloss/v2"
)

// theme is the screen's styles for the terminal's background: colours that read on dark and on light
// backgrounds, or none at all (NO_COLOR, --no-color: bold, faint and reverse only).
type theme struct {
	head, badge, badgeWarn, hint, key   lipgloss.Style
	segA, segB, segC, flash, barOn, bar lipgloss.Style
	you, focus, faint, kind, border     lipgloss.Style
}

// noColor reports whether the user asked for no colours (https://no-color.org).
func noColor() bool { return os.Getenv("NO_COLOR") != "" }

func newTheme(dark, plain bool) theme {
	if plain {
		b := lipgloss.NewStyle()
		return theme{head: b.Bold(true), badge: b.Reverse(true), badgeWarn: b.Reverse(true).Bold(true), hint: b.Faint(true),
			key: b.Bold(true), segA: b.Reverse(true).Bold(true), segB: b.Reverse(true), segC: b.Reverse(true),
			flash: b.Bold(true), barOn: b, bar: b.Faint(true), you: b.Bold(true).Underline(true), focus: b.Reverse(true),
			faint: b.Faint(true), kind: b.Bold(true), border: b}
	}
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	accent := c("#5A3FC0", "#B4A5FF")
	b := lipgloss.NewStyle()
	return theme{
		head:      b.Bold(true).Foreground(accent),
		badge:     b.Foreground(c("#FFFFFF", "#1A1A1A")).Background(c("#5A3FC0", "#B4A5FF")).Padding(0, 1),
		badgeWarn: b.Foreground(c("#FFFFFF", "#1A1A1A")).Background(c("#B3261E", "#FF8A80")).Bold(true).Padding(0, 1),
		hint:      b.Foreground(c("#6B6B6B", "#9A9A9A")),
		key:       b.Foreground(c("#1F1F1F", "#E8E8E8")).Bold(true),
		segA:      b.Foreground(c("#FFFFFF", "#1A1A1A")).Background(accent).Bold(true).Padding(0, 1),
		segB:      b.Foreground(c("#1F1F1F", "#E8E8E8")).Background(c("#DCD6F7", "#3D3558")).Padding(0, 1),
		segC:      b.Foreground(c("#1F1F1F", "#D0D0D0")).Background(c("#EDEDED", "#2A2A2A")).Padding(0, 1),
		flash:     b.Foreground(c("#0B6E4F", "#7EE2B8")).Background(c("#EDEDED", "#2A2A2A")).Bold(true),
		barOn:     b.Foreground(c("#0B6E4F", "#7EE2B8")).Background(c("#EDEDED", "#2A2A2A")),
		bar:       b.Foreground(c("#BDBDBD", "#555555")).Background(c("#EDEDED", "#2A2A2A")),
		you:       b.Foreground(c("#0050B3", "#FFD75F")).Bold(true),
		focus:     b.Reverse(true),
		faint:     b.Faint(true),
		kind:      b.Foreground(c("#6B6B6B", "#9A9A9A")).Bold(true),
		border:    b.Foreground(accent),
	}
}
