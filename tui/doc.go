// Package tui is loupe's review screen (bubbletea v2): a root model (Model) that routes messages to
// panes that own their keys and drawing - the image pane (termimg cache, prefetching the neighbours;
// raw sixel/iTerm2 pictures drawn with tea.Raw over blank cells after the frame), the text pane
// (captions by kind, English or Chinese, scrollable), the scores pane (pipeline bars, judge verdicts,
// ground truth, the annotator's own values) and the status bar - plus a text entry mode for notes and
// overrides (and the / filter prompt) in which no key triggers an action. With leases (Config.Lease, or
// a queue whose overlap is above 1) each decision moves to the item Session.Lease hands out.
// Adjudication is a separate, smaller screen over Disputes that records final decisions. The comparison
// screen (Compare, compare*.go) is the review screen of a pair queue: a prompt and two models' pictures
// side by side, blind until answered, choices per dimension, the next pair leased and prepared ahead.
// The screens reach the workspace only through the small interfaces they declare (Session, Disputes,
// PairSession), with review's
// types and their own; every call runs in a tea.Cmd and the screen acknowledges a key only when the
// call returned. Everything from the workspace is drawn through Clean.
package tui
