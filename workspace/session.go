package workspace

import (
	"context"
	"sync"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// Session is one annotator's review session on one queue, as the review screen uses it: its items,
// decisions and scores (every call commits before it returns), leases, filter, item content and
// statistics. It is safe for concurrent use by multiple goroutines.
type Session struct {
	w          *Workspace
	mu         sync.Mutex     // guards ss and showOthers: Restrict replaces ss, whose item index is built on first use
	ss         *store.Session // the store's session (replaced, never changed, by Restrict)
	showOthers bool           // SetShowOthers: shown whatever the queue's setting
}

// OpenSession starts annotator's session on the named queue (creating the annotator if new).
func (w *Workspace) OpenSession(ctx context.Context, queue, annotator string) (*Session, error) {
	ss, err := w.st.OpenSession(ctx, queue, annotator)
	if err != nil {
		return nil, err
	}
	return w.Session(ss), nil
}

// Session wraps a store session opened (and perhaps restricted) on the workspace's store.
func (w *Workspace) Session(ss *store.Session) *Session { return &Session{w: w, ss: ss} }

// ParseFilter parses a filter in the review screen's / prompt syntax (review.ParseFilter) and checks
// it against the workspace's dimensions, tracks, kinds and decisions.
func ParseFilter(s string) (review.Filter, error) {
	f, err := review.ParseFilter(s)
	if err != nil {
		return f, err
	}
	return f, CheckFilter(f)
}

// CheckFilter reports why a filter names an unknown dimension, track, kind or decision (nil if none).
func CheckFilter(f review.Filter) error {
	_, _, err := store.FilterSQL(f)
	return err
}

// CheckFilter is the package's CheckFilter (the review screen's filter prompt calls it).
func (s *Session) CheckFilter(f review.Filter) error { return CheckFilter(f) }

// cur returns the store session in force.
func (s *Session) cur() *store.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ss
}

// Info is the session's queue, annotator and overlap, and the queue's review settings (blind, guidelines;
// ShowOthers is the queue's setting or SetShowOthers').
func (s *Session) Info() review.SessionInfo {
	s.mu.Lock()
	ss, others := s.ss, s.showOthers
	s.mu.Unlock()
	return review.SessionInfo{Queue: ss.Queue, Annotator: ss.Annotator, Overlap: ss.Overlap, Blind: ss.Settings.Blind,
		ShowOthers: ss.Settings.ShowOthers || others, Guidelines: ss.Settings.Guidelines}
}

// SetShowOthers shows other annotators' answers before one's own decision even when the queue does not
// (loupe review --show-others): Info reports ShowOthers when either says so.
func (s *Session) SetShowOthers(show bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.showOthers = show
}

// Items are the session's items in queue order (those passing the filter after Restrict). The slice
// is not changed afterwards: Restrict makes a new one.
func (s *Session) Items() []int64 { return s.cur().Items }

// Restrict narrows the session to the queue's items that pass f (an empty filter: the whole queue) and
// returns them: Items, States, Resume and Lease then see only those. On error (one that wraps
// store.ErrNoMatch when nothing matches) the session is left as it was.
func (s *Session) Restrict(ctx context.Context, f review.Filter) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *s.ss
	if err := cp.Restrict(ctx, f); err != nil {
		return nil, err
	}
	s.ss = &cp
	return cp.Items, nil
}

// States returns this annotator's decision in force on every position of Items: 1 accepted, -1
// rejected, 0 none.
func (s *Session) States(ctx context.Context) ([]int8, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.st.DecisionStates(ctx, s.ss)
}

// State returns this annotator's decision in force on one item (as States).
func (s *Session) State(ctx context.Context, item int64) (int8, error) {
	return s.w.st.DecisionState(ctx, s.cur(), item)
}

// Resume returns where this annotator picks the queue up: the position after the item they decided most
// recently, else the first they have not decided (store.Session.Resume).
func (s *Session) Resume(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ss.Resume(ctx)
}

// Lease hands this annotator the next item nobody else holds (store.Session.Lease): its position in
// Items, or -1 when nothing is left.
func (s *Session) Lease(ctx context.Context, ttl time.Duration) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ss.Lease(ctx, ttl)
}

// LeaseAhead reserves the item this annotator gets next, besides current (store.Session.LeaseAhead):
// its position, or -1 when nothing else is left.
func (s *Session) LeaseAhead(ctx context.Context, ttl time.Duration, current int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ss.LeaseAhead(ctx, ttl, current)
}

// Record stores one of the annotator's actions as an event and returns its id (store.Session.Record): a
// decision (which ends this annotator's lease on the item; refused, with an error wrapping
// store.ErrOverlapFull, past the queue's overlap), the annotator's own score (0-10), either of them
// revised after the reveal in blind mode, a skip with its reason, a flag for adjudication or its
// withdrawal, or a note.
func (s *Session) Record(ctx context.Context, a review.Action) (int64, error) {
	return s.cur().Record(ctx, a)
}

// Undo withdraws this annotator's latest change still in force on item (0: on any item of the queue) - a
// value, a flag, an unflag or a note - and says what it withdrew (Undone.Item 0: nothing to undo).
func (s *Session) Undo(ctx context.Context, item int64) (review.Undone, error) {
	return s.cur().UndoChange(ctx, item)
}

// Agreement counts this annotator's score values in force in the queue that have a judge verdict (never a
// pipeline value), and those within 1 of it (the judges' mean).
func (s *Session) Agreement(ctx context.Context) (review.AgreementCount, error) {
	return s.cur().Agreement(ctx)
}

// Content reads an item with its texts (the workspace's, then its shard's captions) and a reader of its
// encoded picture; a shard row is read once for both (ContentOf). A failed lookup returns a nil item; an
// item whose shard row could not be read comes with its own texts and the error, which the picture
// reader returns too.
func (s *Session) Content(ctx context.Context, item int64) (*review.Item, []review.Text, func() ([]byte, error), error) {
	c, err := s.w.Content(ctx, item)
	if err != nil {
		return nil, nil, nil, err
	}
	return c.Item, c.Texts, c.Picture, c.RowErr
}

// Stats is the queue's agreement report for the review screen's statistics (ReviewStats).
func (s *Session) Stats(ctx context.Context) (*review.AgreementReport, error) {
	return s.w.ReviewStats(ctx, s.cur().Queue)
}
