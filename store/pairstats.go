package store

import "context"

// PairQueueNames lists the names of the workspace's pair queues, oldest first.
func (s *Store) PairQueueNames(ctx context.Context) ([]string, error) {
	return scanStrings(ctx, s.DB, `SELECT q.name FROM queues q JOIN pair_queues pq ON pq.queue_id = q.id ORDER BY q.id`)
}
