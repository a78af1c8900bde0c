package store_test

import (
	"bytes"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/internal/unprivileged"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// newWorkspace makes a closed workspace holding one item, keep-me, and returns its path.
func newWorkspace(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "loupe.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: "keep-me", Kind: review.Sample, Scores: review.NoScores}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll returns a file's bytes, nil when it does not exist.
func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noSideFiles fails when SQLite left a -wal, -shm or -journal beside path.
func noSideFiles(t *testing.T, path string) {
	t.Helper()
	for _, s := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + s); err == nil {
			t.Errorf("%s%s was created", filepath.Base(path), s)
		}
	}
}

func foreignSQLite(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE mine (x); INSERT INTO mine VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
}

func TestOpenRefusesZeroByteAndForeignFilesUntouched(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	_, err := store.Open(ctx, empty)
	if err == nil || !strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("zero-byte file: err = %v", err)
	}
	if b := readAll(t, empty); len(b) != 0 {
		t.Errorf("the zero-byte file became %d bytes", len(b))
	}
	noSideFiles(t, empty)

	other := filepath.Join(dir, "other.db")
	foreignSQLite(t, other)
	before := readAll(t, other)
	if _, err := store.Open(ctx, other); err == nil || !strings.Contains(err.Error(), "not a loupe workspace") {
		t.Errorf("foreign SQLite file: err = %v", err)
	}
	if !bytes.Equal(readAll(t, other), before) {
		t.Error("the foreign SQLite file was changed (journal mode or schema)")
	}
	noSideFiles(t, other)
}

func TestOpenReadOnlyRefusesMissingEmptyAndForeignFilesUntouched(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if _, err := store.OpenReadOnly(ctx, missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: err = %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("OpenReadOnly created the missing workspace")
	}
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	if _, err := store.OpenReadOnly(ctx, empty); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("zero-byte file: err = %v", err)
	}
	if b := readAll(t, empty); len(b) != 0 {
		t.Errorf("the zero-byte file became %d bytes", len(b))
	}
	noSideFiles(t, empty)
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("not a database"), 0o644)
	if _, err := store.OpenReadOnly(ctx, notes); err == nil || !strings.Contains(err.Error(), "not a loupe workspace") {
		t.Errorf("text file: err = %v", err)
	}
	other := filepath.Join(dir, "other.db")
	foreignSQLite(t, other)
	before := readAll(t, other)
	if _, err := store.OpenReadOnly(ctx, other); err == nil || !strings.Contains(err.Error(), "not a loupe workspace") {
		t.Errorf("foreign SQLite file: err = %v", err)
	}
	if !bytes.Equal(readAll(t, other), before) {
		t.Error("the foreign SQLite file was changed")
	}
	noSideFiles(t, other)
}

func TestOpenReadOnlyReadsAndNeverWrites(t *testing.T) {
	path := newWorkspace(t, t.TempDir())
	before := readAll(t, path)
	st, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if it, err := st.Item(ctx, "keep-me"); err != nil || it.ExtID != "keep-me" {
		t.Errorf("read: %+v %v", it, err)
	}
	if _, err := st.DB.ExecContext(ctx, `INSERT INTO import_issues (source, location, message) VALUES ('x', '', 'y')`); err == nil {
		t.Error("a read-only workspace took a write")
	}
	if err := store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
		var n int
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n)
	}); err != nil {
		t.Errorf("a read transaction failed: %v", err)
	}
	st.Close()
	if !bytes.Equal(readAll(t, path), before) {
		t.Error("the workspace file changed")
	}
	// In a writable folder SQLite may leave its -shm index and an empty -wal: never a change.
	if b := readAll(t, path+"-wal"); len(b) != 0 {
		t.Errorf("a %d-byte -wal was written", len(b))
	}
}

func TestOpenReadOnlyRefusesOlderSchemaAndSaysHowToUpgrade(t *testing.T) {
	path := newWorkspace(t, t.TempDir())
	db, _ := sql.Open("sqlite3", path)
	if _, err := db.Exec(`PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := readAll(t, path)
	_, err := store.OpenReadOnly(ctx, path)
	if !errors.Is(err, store.ErrOlderWorkspace) {
		t.Fatalf("err = %v, want ErrOlderWorkspace", err)
	}
	for _, want := range []string{path, "schema 1", "loupe info --upgrade"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if !bytes.Equal(readAll(t, path), before) {
		t.Error("the older workspace was changed")
	}
	// A newer one is refused read-only too.
	db, _ = sql.Open("sqlite3", path)
	db.Exec(`PRAGMA user_version = 999`)
	db.Close()
	if _, err := store.OpenReadOnly(ctx, path); !errors.Is(err, store.ErrNewerWorkspace) {
		t.Errorf("newer: err = %v", err)
	}
}

// TestReadOnlyFileAndFolder runs as an unprivileged user (root ignores file modes): a workspace whose
// file is 0444 and folder 0555 opens read-only, without leaving files; opening it to write names the
// file and says what to do.
func TestReadOnlyFileAndFolder(t *testing.T) {
	if !unprivileged.Run(t) {
		return
	}
	dir := filepath.Join(t.TempDir(), "ws")
	os.Mkdir(dir, 0o755)
	path := newWorkspace(t, dir)
	os.Chmod(path, 0o444)
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	before := readAll(t, path)
	for range 2 {
		st, err := store.OpenReadOnly(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if it, err := st.Item(ctx, "keep-me"); err != nil || it.ExtID != "keep-me" {
			t.Errorf("read: %+v %v", it, err)
		}
		st.Close()
	}
	_, err := store.Open(ctx, path)
	for _, want := range []string{path, "read-only"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("open to write: err %v lacks %q", err, want)
		}
	}
	if !bytes.Equal(readAll(t, path), before) {
		t.Error("the workspace changed")
	}
	noSideFiles(t, path)

	// The file read-only in a writable folder: reading works, writing is refused with the file's name.
	os.Chmod(dir, 0o755)
	st, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := store.Open(ctx, path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("open a 0444 file to write: %v", err)
	}
	// The folder read-only, the file writable: SQLite could not make its -wal beside it.
	os.Chmod(path, 0o644)
	os.Chmod(dir, 0o555)
	if _, err := store.Open(ctx, path); err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("open in a read-only folder to write: %v", err)
	}
}

// TestReadOnlyFolderWithUncheckpointedWAL: a workspace copied with its -wal (the last changes) into a
// read-only folder cannot be read without a -shm; it is refused with a message, never read without the
// changes.
func TestReadOnlyFolderWithUncheckpointedWAL(t *testing.T) {
	if !unprivileged.Run(t) {
		return
	}
	src := filepath.Join(t.TempDir(), "src")
	os.Mkdir(src, 0o755)
	path := newWorkspace(t, src)
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conn, err := st.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`)
	if _, err := conn.ExecContext(ctx, `INSERT INTO import_issues (source, location, message) VALUES ('late', '', 'only in the wal')`); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy")
	os.Mkdir(dst, 0o755)
	for _, s := range []string{"", "-wal"} {
		in, err := os.Open(path + s)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := os.Create(filepath.Join(dst, "loupe.db"+s))
		io.Copy(out, in)
		in.Close()
		out.Close()
	}
	copyPath := filepath.Join(dst, "loupe.db")
	if fi, err := os.Stat(copyPath + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no -wal to copy: %v", err)
	}
	os.Chmod(dst, 0o555)
	defer os.Chmod(dst, 0o755)
	ro, err := store.OpenReadOnly(ctx, copyPath)
	if err == nil {
		var n int
		ro.DB.QueryRow(`SELECT count(*) FROM import_issues WHERE source = 'late'`).Scan(&n)
		ro.Close()
		if n != 1 {
			t.Fatal("opened without the changes in its -wal")
		}
		return
	}
	for _, want := range []string{copyPath + "-wal", "writable"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}
