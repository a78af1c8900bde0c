// Package store persists loupe's workspace in one SQLite file: items and where their images live, texts,
// labels, the append-only human history, queues, runs and agreement snapshots. Queries sit beside the
// methods that run them; migrations are embedded, numbered and forward-only.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write breaks a uniqueness or foreign-key constraint.
var ErrConflict = errors.New("conflict")

// ErrNewerWorkspace is returned by Open when the workspace was made by a newer loupe.
var ErrNewerWorkspace = errors.New("workspace was created by a newer loupe")

// errNoTables is an SQLite file without tables: what a creation that stopped before the first migration
// leaves. Open makes it a workspace; OpenReadOnly refuses it.
var errNoTables = errors.New("not a loupe workspace yet (an SQLite file without tables)")

// ErrOlderWorkspace is returned by OpenReadOnly when the workspace's schema is older than this loupe's:
// reading never migrates it; opening it to write (Open) does.
var ErrOlderWorkspace = errors.New("workspace was made by an older loupe")

// Querier runs queries; both *sql.DB and *sql.Tx satisfy it, so callers own transaction boundaries.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store is an open workspace. It is safe for concurrent use by multiple goroutines.
type Store struct {
	DB   *sql.DB
	Path string
	// ReadOnly is set by OpenReadOnly: SQLite refuses every write.
	ReadOnly bool
}

// Open opens (creating if needed) the workspace at path and migrates it to the current schema.
// It refuses, leaving them as they are, a zero-byte file, a file that is not a loupe workspace (another
// program's SQLite file included), a workspace whose schema version is newer than this binary knows, and
// a workspace that cannot be written (its file or folder read-only: OpenReadOnly reads those).
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open workspace: empty path")
	}
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !writable(dir) {
			return nil, fmt.Errorf("create workspace %s: the folder %s is read-only (make it writable, or pass another --db)", path, dir)
		}
		if err := createWithPageSize(path); err != nil {
			return nil, fmt.Errorf("create workspace %s: %w", path, err)
		}
	case err != nil:
		return nil, fmt.Errorf("open workspace %s: %w", path, err)
	default:
		if err := checkExisting(path, fi); err != nil {
			return nil, err
		}
		// Look before writing anything: another program's SQLite file is refused as it is (the
		// read-write connection below would switch it to WAL mode).
		db, err := inspect(ctx, path)
		if err != nil && !errors.Is(err, ErrOlderWorkspace) && !errors.Is(err, errNoTables) {
			return nil, err
		}
		if db != nil {
			db.Close()
		}
		if err := checkWritable(path); err != nil {
			return nil, err
		}
	}
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	q.Set("_mutex", "no") // database/sql never shares a connection between goroutines
	db, err := sql.Open(driverName, "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", path, err)
	}
	s := &Store{DB: db, Path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open workspace %s: %w", path, err)
	}
	return s, nil
}

// OpenReadOnly opens an existing workspace for reading: SQLite opens it read-only (mode=ro), nothing is
// created or migrated, and it works on a read-only file in a read-only folder. It refuses, leaving them
// as they are, a missing or zero-byte file, a file that is not a loupe workspace, and a workspace whose
// schema is newer or older than this loupe's (ErrOlderWorkspace: the message says how to upgrade it).
//
// SQLite reads a WAL-mode file through its -shm index, which it creates beside the file when it can (the
// workspace file itself is never written). Where the folder is read-only and there is no -shm, the file
// is opened as immutable - nobody can be writing it then, since a writer needs that folder too - unless
// a non-empty -wal holds changes that only a -shm could read: that workspace is refused with a message.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open workspace: empty path")
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no workspace at %s", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", path, err)
	}
	if err := checkExisting(path, fi); err != nil {
		return nil, err
	}
	db, err := inspect(ctx, path)
	if err != nil {
		return nil, err
	}
	return &Store{DB: db, Path: path, ReadOnly: true}, nil
}

// checkExisting refuses an existing path that is a folder, an empty file or not an SQLite file.
func checkExisting(path string, fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return fmt.Errorf("open workspace %s: is a folder (--db names the workspace file)", path)
	case fi.Size() == 0:
		return fmt.Errorf("open workspace %s: an empty file, not a loupe workspace (loupe never makes one: remove it, or pass another --db)", path)
	}
	return checkSQLiteHeader(path)
}

// checkWritable says, naming the file and the way out, when the workspace file or its folder (where
// SQLite keeps the -wal and -shm files) cannot be written.
func checkWritable(path string) error {
	const reads = "the commands that only read it (info, show-item, view, stats, export, import --problems) work as it is"
	if !writable(path) {
		return fmt.Errorf("workspace %s is read-only (its file mode): this command changes it; make it writable (chmod u+w %s) or work on a copy; %s", path, path, reads)
	}
	if dir := filepath.Dir(path); !writable(dir) {
		return fmt.Errorf("workspace %s is in a read-only folder (%s), where SQLite cannot keep its -wal and -shm files: this command changes it; make the folder writable or move the workspace; %s", path, dir, reads)
	}
	return nil
}

// inspect opens path read-only and checks that it is a loupe workspace of this loupe's schema. It
// returns the open database, or an error (ErrOlderWorkspace with the database closed too).
func inspect(ctx context.Context, path string) (*sql.DB, error) {
	db, err := openReadOnlyDB(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", path, err)
	}
	fail := func(err error) (*sql.DB, error) {
		db.Close()
		return nil, fmt.Errorf("open workspace %s: %w", path, err)
	}
	var cur, tables int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&cur); err != nil {
		return fail(fmt.Errorf("read schema version: %w", err))
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table'`).Scan(&tables); err != nil {
		return fail(err)
	}
	latest := SchemaVersion()
	switch {
	case cur == 0 && tables > 0:
		return fail(errors.New("not a loupe workspace (an SQLite file with other tables and no loupe schema version)"))
	case cur == 0:
		return fail(errNoTables)
	case cur > latest:
		return fail(fmt.Errorf("%w (schema version %d; this loupe knows up to %d): upgrade loupe", ErrNewerWorkspace, cur, latest))
	case cur < latest:
		return fail(fmt.Errorf("%w (schema %d; this loupe reads schema %d): reading never upgrades it; `loupe info --upgrade --db %s` does, in place (as does any command that writes, such as loupe import; older loupes cannot open it afterwards)",
			ErrOlderWorkspace, cur, latest, path))
	}
	return db, nil
}

// openReadOnlyDB opens path with mode=ro and checks that it can be read (see OpenReadOnly for the
// immutable fallback in a read-only folder).
func openReadOnlyDB(ctx context.Context, path string) (*sql.DB, error) {
	open := func(immutable bool) (*sql.DB, error) {
		q := url.Values{}
		q.Set("mode", "ro")
		if immutable {
			q.Set("immutable", "1")
		}
		q.Set("_foreign_keys", "on")
		q.Set("_busy_timeout", "10000")
		q.Set("_txlock", "deferred") // BEGIN IMMEDIATE would ask for the write lock
		q.Set("_mutex", "no")
		db, err := sql.Open(driverName, "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, err
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	db, err := open(false)
	if err == nil {
		return db, nil
	}
	dir := filepath.Dir(path)
	if writable(dir) {
		return nil, err
	}
	if _, serr := os.Stat(path + "-shm"); serr == nil {
		return nil, err
	}
	if fi, werr := os.Stat(path + "-wal"); werr == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("%s-wal holds changes not yet in the workspace file, and SQLite cannot create the %s-shm it needs to read them in the read-only folder %s: make the folder writable once (any loupe command then reads it), or copy the workspace with its -wal somewhere writable (%v)",
			path, filepath.Base(path), dir, err)
	}
	return open(true)
}

// PageSize is the page size of new workspaces. Bulk indexing inserts about a third faster with 64 KiB
// pages than with SQLite's default 4 KiB; reads are served from a memory map, so big pages cost random
// lookups little.
var PageSize = 65536

// mmapSize is how much of the workspace file each connection maps.
const mmapSize = 1 << 30

const driverName = "sqlite3_loupe"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA mmap_size = %d; PRAGMA cache_size = -65536", mmapSize), nil)
			return err
		},
	})
}

// createWithPageSize creates a new, empty workspace file with PageSize pages: the page size is fixed
// when the first table is written, and cannot change once the file is in WAL mode.
func createWithPageSize(path string) error {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil
	}
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("PRAGMA page_size = %d", PageSize)); err != nil {
		return err
	}
	_, err = db.Exec("PRAGMA journal_mode = WAL")
	return err
}

// checkSQLiteHeader gives a clear error for a file that exists but is not an SQLite database.
func checkSQLiteHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open workspace %s: %w", path, err)
	}
	defer f.Close()
	hdr := make([]byte, 16)
	n, _ := f.Read(hdr)
	if n == 0 {
		return nil
	}
	if n < 16 || string(hdr) != "SQLite format 3\x00" {
		return fmt.Errorf("open workspace %s: not a loupe workspace (not an SQLite file)", path)
	}
	return nil
}

// Close closes the workspace.
func (s *Store) Close() error {
	writeLocks.Delete(s.DB)
	return s.DB.Close()
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: bad name", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, e.Name(), string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion is the schema version this binary creates and understands.
func SchemaVersion() int {
	ms, _ := migrations()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return InTx(ctx, s.DB, func(tx *sql.Tx) error {
		var cur int
		if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&cur); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if latest := ms[len(ms)-1].version; cur > latest {
			return fmt.Errorf("%w (schema version %d; this loupe knows up to %d): upgrade loupe", ErrNewerWorkspace, cur, latest)
		}
		if cur == 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errors.New("not a loupe workspace (an SQLite file with other tables and no loupe schema version)")
			}
		}
		for _, m := range ms {
			if m.version <= cur {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, m.version)); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeLocks serialises InTx's transactions per database handle inside the process: several sessions
// writing at once (loupe serve) then wait on a mutex, not in SQLite's busy handler, which sleeps in
// steps of up to 100 ms between tries.
var writeLocks sync.Map // *sql.DB -> *sync.Mutex

// InTx runs fn in a transaction, committing if it returns nil and rolling back otherwise. Transactions
// on one handle run one at a time.
func InTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	mu, _ := writeLocks.LoadOrStore(db, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return wrapErr(err)
	}
	return wrapErr(tx.Commit())
}

// wrapErr maps driver errors to ErrNotFound / ErrConflict so callers use errors.Is.
func wrapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrConstraint {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}
