package store

import "context"

// The pipeline command's reads.

const snapshotThresholdsSQL = `SELECT dimension, threshold FROM stat_thresholds WHERE snapshot_id = ? AND rater = ?`

// SnapshotThresholds returns the calibrated thresholds a stats snapshot holds for a rater, by dimension
// (empty when it holds none).
func (s *Store) SnapshotThresholds(ctx context.Context, snapshot int64, rater string) (map[string]float64, error) {
	rows, err := s.DB.QueryContext(ctx, snapshotThresholdsSQL, snapshot, rater)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var dim string
		var t float64
		if err := rows.Scan(&dim, &t); err != nil {
			return nil, err
		}
		out[dim] = t
	}
	return out, rows.Err()
}

const itemsBySourceSQL = `SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id WHERE s.path = ? ORDER BY i.id`

// ItemsBySource returns the ids of the items imported from a source path (as the import recorded it),
// in id order.
func (s *Store) ItemsBySource(ctx context.Context, path string) ([]int64, error) {
	rows, err := s.DB.QueryContext(ctx, itemsBySourceSQL, path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
