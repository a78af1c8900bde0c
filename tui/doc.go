// Package tui is loupe's review screen (bubbletea v2): a root model that routes messages to panes that
// own their keys. It talks to the store, judges and exporters only through small interfaces it declares.
// The screen arrives with the review-TUI issue; until then `loupe demo` prints the workspace summary.
package tui
