package workspace

import "context"

// Find returns the workspace id of the item ref names: its external id, or its workspace id.
func (s *Session) Find(ctx context.Context, ref string) (int64, error) {
	it, err := s.w.st.Item(ctx, ref)
	if err != nil {
		return 0, err
	}
	return it.ID, nil
}
