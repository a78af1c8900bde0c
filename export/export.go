package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/loupe-dev/loupe/review"
)

// Record is one exported item: what a trainer or a hub needs, and where every value came from.
type Record struct {
	ID        string                       `json:"id"`   // the item's external id (never used raw as a path: see SafeName)
	Kind      string                       `json:"kind"` // "sample" or "generation"
	Subset    string                       `json:"subset,omitempty"`
	Track     string                       `json:"track,omitempty"`
	Model     string                       `json:"model,omitempty"`
	Image     []byte                       `json:"-"`                    // the encoded picture, bytes as stored (nil: none)
	ImageExt  string                       `json:"-"`                    // "jpg", "png", "webp", "gif" from the bytes ("" when none)
	Texts     map[string]map[string]string `json:"texts,omitempty"`      // kind -> lang ("en", "zh") -> text; kinds are caption kinds and "prompt"
	Values    map[string]Value             `json:"values,omitempty"`     // dimension -> final value
	Decision  string                       `json:"decision"`             // accepted, rejected, unreviewed, flagged
	DecidedBy string                       `json:"decided_by,omitempty"` // annotators (or adjudicator) behind the decision
	History   History                      `json:"history"`
	// What `loupe import` needs to give the item back as it was: a generation's prompt (its text is
	// Texts["prompt"][Prompt.Lang]), the caption kinds the item is flagged as having (for "original":
	// the caption passed the alignment gate, which a present text does not say), the pipeline's own
	// scores (which a human value may have superseded in Values) and every machine label, not only the
	// final ones.
	Prompt   *PromptRef         `json:"prompt_ref,omitempty"`
	Captions []string           `json:"captions_present,omitempty"`
	Pipeline map[string]float64 `json:"pipeline,omitempty"`
	Labels   []Label            `json:"labels,omitempty"`
}

// Value is a dimension's final value and its provenance: a human's value where one was given (the
// latest, or the adjudicated one), else the pipeline's score, else the judge's verdict.
type Value struct {
	Value      float64 `json:"value"`
	Source     string  `json:"source"`           // "human", "pipeline" or "judge"
	Who        string  `json:"who,omitempty"`    // annotator, judge rater; "" for the pipeline
	When       string  `json:"when,omitempty"`   // RFC 3339, when known
	RubricHash string  `json:"rubric,omitempty"` // a judge verdict's rubric text hash
}

// History summarises an item's human history.
type History struct {
	Events     int    `json:"events"`
	Annotators int    `json:"annotators"`
	Accepts    int    `json:"accepts"`
	Rejects    int    `json:"rejects"`
	Flags      int    `json:"flags"`
	Undos      int    `json:"undos"`
	Last       string `json:"last,omitempty"` // time of the latest event
	// Answers are the annotators' decisions in force, Final the adjudicator's (who decided, even when
	// the annotators disagreed), Log every event in order (what an import replays).
	Answers []Answer `json:"answers,omitempty"`
	Final   *Answer  `json:"final,omitempty"`
	Log     []Event  `json:"log,omitempty"`
}

// Writer writes records in one format. Write is called in item order; Close completes the output (every
// file written under a temporary name and renamed when complete); Abort removes what is unfinished.
type Writer interface {
	Write(r *Record) error
	Close() error
	Abort()
	// Files lists the completed output files (relative to the output path) so far.
	Files() []string
}

// Options are the writers' settings.
type Options struct {
	Out        string // output file (jsonl, csv) or folder (parquet, hf, webdataset)
	Force      bool   // replace an existing output
	Resume     bool   // keep finished shards of an interrupted export and continue after them
	ShardRows  int    // parquet, webdataset: records per shard (0: the format's default)
	ShardBytes int64  // parquet, webdataset: bytes per shard, approximately (0: the format's default)
	Card       Card   // hf: what the dataset card states
	// Protect names files no export may replace or hold in its output folder: the workspace (its -wal,
	// -shm and -journal files are protected with it). Compared by device and inode, not by path.
	Protect []string
	Log     io.Writer // where --force says what it replaces (nil: nowhere)
	CSVRaw  bool      // csv: write text cells as they are (no ' before a leading = + - @, tab or CR)
	Excel   bool      // csv: begin with a UTF-8 byte order mark, so that Excel reads the file as UTF-8
}

// Card is what a hub dataset card states about an export.
type Card struct {
	Title      string
	Filter     string         // the query, in loupe's filter syntax
	Count      int            // records
	ByDecision map[string]int // records per decision
	Workspace  string
	Created    string
	Provenance string // a sentence on where values come from
}

// Formats lists the export formats.
var Formats = []string{"jsonl", "csv", "parquet", "hf", "webdataset"}

// ErrExists says the output exists and --force was not given.
var ErrExists = errors.New("the output exists (use --force to replace it, or --resume to continue it)")

// ErrRefused says the output is, or holds, something an export may not replace: the workspace (or a
// folder holding it), or a file no earlier loupe export wrote.
var ErrRefused = errors.New("refused")

// refused is an ErrRefused error: "refused: " and the message.
func refused(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrRefused}, args...)...)
}

// onlyOurs ends the message for files loupe did not write.
const onlyOurs = "--force replaces only what an earlier loupe export wrote: move them away, or choose another --out"

// SafeName turns an item id into a file name that stays inside the output folder and is valid on Linux,
// macOS and Windows: path separators, NUL, control characters and characters that are trouble on common
// file systems become "_"; dots, spaces and "-" cannot start it (hidden files, "..", an option to a
// shell command) and dots and spaces cannot end it (Windows drops them); a Windows device name (con,
// nul, com1, ... with any extension) gets a leading "_"; and a long or changed name keeps a short hash
// of the id so that two ids never share a name. Names that differ only in case are distinct here but
// one file on macOS and Windows: a writer keeps them apart with a names set.
func SafeName(id string) string {
	if plainID(id) { // most ids: nothing to replace, no builder
		return safeNameRest(id, id, false)
	}
	var b strings.Builder
	changed := false
	for _, r := range id {
		switch {
		case r == '/' || r == '\\' || r == 0 || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|':
			b.WriteByte('_')
			changed = true
		case unicode.IsControl(r) || r == utf8.RuneError || !unicode.IsPrint(r):
			b.WriteByte('_')
			changed = true
		default:
			b.WriteRune(r)
		}
	}
	return safeNameRest(id, b.String(), changed)
}

// plainID reports whether SafeName's first step keeps every character of id: printable ASCII, none of
// the characters it replaces.
func plainID(id string) bool {
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c < 0x20 || c >= 0x7f:
			return false
		case c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|':
			return false
		}
	}
	return true
}

// safeNameRest is SafeName after the characters were replaced (s; changed: some were).
func safeNameRest(id, s string, changed bool) string {
	if t := strings.TrimLeft(s, ". -"); t != s {
		s, changed = "_"+t, true
	}
	if t := strings.TrimRight(s, ". "); t != s {
		s, changed = t, true
	}
	if s == "" || s == "_" {
		s, changed = "item", true
	}
	const maxBytes = 120
	if len(s) > maxBytes {
		cut := maxBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s, changed = strings.TrimRight(s[:cut], ". "), true
	}
	// Windows reads "con.png" or "nul.tar.gz" as the device whatever the extension.
	if stem, _, _ := strings.Cut(s, "."); windowsReserved[strings.ToLower(strings.TrimRight(stem, " "))] {
		s, changed = "_"+s, true
	}
	if changed {
		s += "-" + shortHash(id)
	}
	return s
}

// windowsReserved are the device names Windows reserves in every folder, lower case.
var windowsReserved = map[string]bool{"con": true, "prn": true, "aux": true, "nul": true, "conin$": true, "conout$": true,
	"com0": true, "com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt0": true, "lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
	"com¹": true, "com²": true, "com³": true, "lpt¹": true, "lpt²": true, "lpt³": true}

// names is the set of file names one export has used, by their case-folded form: macOS and Windows
// ignore case, so "Dup.png" and "dup.png" would be one file there.
type names map[string]bool

// take returns base.ext (base alone when ext is ""), or, when that name is taken ignoring case, base with
// the id's hash (and a counter, should even that be taken) before the extension; and marks it used.
func (n names) take(id, base, ext string) string {
	dot := ""
	if ext != "" {
		dot = "." + ext
	}
	name := base + dot
	for i := 1; n[foldName(name)]; i++ {
		suffix := "-" + shortHash(id)
		if i > 1 {
			suffix += "-" + strconv.Itoa(i)
		}
		name = base + suffix + dot
	}
	n[foldName(name)] = true
	return name
}

// foldName maps each rune of s to the smallest rune of its Unicode case-folding orbit ("K", "k" and
// the Kelvin sign all to "K"), so that names equal ignoring case have one key.
func foldName(s string) string {
	lower := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			return foldRunes(s)
		} else if 'a' <= c && c <= 'z' {
			lower = true
		}
	}
	if !lower { // ASCII: an orbit's smallest rune is the upper-case letter
		return s
	}
	return strings.ToUpper(s)
}

func foldRunes(s string) string {
	return strings.Map(func(r rune) rune {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		return m
	}, s)
}

// ImageExt names the format of encoded picture bytes ("" when unknown).
func ImageExt(b []byte) string {
	// the two formats of nearly every dataset, as http.DetectContentType tells them
	if len(b) >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff {
		return "jpg"
	}
	if len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n" {
		return "png"
	}
	switch http.DetectContentType(b) {
	case "image/jpeg":
		return "jpg"
	case "image/png":
		return "png"
	case "image/webp":
		return "webp"
	case "image/gif":
		return "gif"
	case "image/bmp":
		return "bmp"
	}
	return ""
}

// Output ownership. Every export records the files it wrote in a manifest, so that a later --force
// removes those files and nothing else:
//   - a folder output (parquet, hf, webdataset): OUT/.loupe-export.json, whose "files" (hf) or "shards"
//     (parquet and webdataset: their progress file) name them, relative to OUT;
//   - a file output (jsonl, csv): .NAME.loupe-export beside it, whose "files" are NAME and the pictures
//     in NAME_images/, relative to the folder; Commit writes it when the file is put in place.
// Loupe's temporary files (.NAME.tmpN, .loupe-spool-N.tmp) inside an export count as its own.

// manifestName is a folder output's manifest.
const manifestName = ".loupe-export.json"

// sidecarName is the manifest of the file output out: .NAME.loupe-export beside it.
func sidecarName(out string) string {
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".loupe-export")
}

// ownership is a manifest as read: "files", or the sharded formats' "shards" (webdataset names them
// "name", parquet "file").
type ownership struct {
	Format string   `json:"format,omitempty"`
	Files  []string `json:"files,omitempty"`
	Shards []struct {
		Name string `json:"name,omitempty"`
		File string `json:"file,omitempty"`
	} `json:"shards,omitempty"`
}

// tempName matches the temporary files of CreateAtomic and the webdataset spool.
var tempName = regexp.MustCompile(`^\.(.+\.tmp[0-9]*|loupe-spool-[0-9]*\.tmp)$`)

// readOwnership reads a manifest: the files it lists, as clean "/"-separated relative paths.
func readOwnership(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m ownership
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, refused("%s is not the manifest of a loupe export (%v); %s", path, err, onlyOurs)
	}
	own := map[string]bool{}
	add := func(f string) {
		if f != "" {
			own[filepath.ToSlash(filepath.Clean(filepath.FromSlash(f)))] = true
		}
	}
	for _, f := range m.Files {
		add(f)
	}
	for _, s := range m.Shards {
		add(s.Name)
		add(s.File)
	}
	return own, nil
}

// writeManifest writes a manifest listing files (relative, "/"-separated).
func writeManifest(path, format string, files []string) error {
	b, err := json.MarshalIndent(ownership{Format: format, Files: files}, "", "  ")
	if err != nil {
		return err
	}
	return WriteAtomic(path, append(b, '\n'))
}

// protection is what Options.Protect names: the files (the workspace, its -wal, -shm and -journal) and
// every folder above them, as found on disk, so that paths compare by device and inode (os.SameFile):
// a symbolic link, a hard link or a path with ".." is still the same file. homes are the workspaces'
// folders with the names SQLite gives its files there: an absent -journal or -wal is still SQLite's.
type protection struct {
	files []protected
	dirs  []protected
	homes []home
}

type home struct {
	ws    string
	dir   os.FileInfo
	names []string
}

type protected struct {
	path string // the protected file (for a folder: the file it holds)
	fi   os.FileInfo
}

func protect(paths []string) protection {
	var p protection
	seen := map[string]bool{}
	for _, ws := range paths {
		if ws == "" {
			continue
		}
		h := home{ws: ws}
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if fi, err := os.Stat(ws + suffix); err == nil {
				p.files = append(p.files, protected{ws + suffix, fi})
			}
			h.names = append(h.names, filepath.Base(ws)+suffix)
		}
		if fi, err := os.Stat(filepath.Dir(ws)); err == nil {
			h.dir = fi
			p.homes = append(p.homes, h)
		}
		// The folders above it, by the path given and by the path its links resolve to.
		abs, err := filepath.Abs(ws)
		if err != nil {
			continue
		}
		starts := []string{abs}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			starts = append(starts, real)
		}
		for _, start := range starts {
			for d := filepath.Dir(start); !seen[d]; d = filepath.Dir(d) {
				seen[d] = true
				if fi, err := os.Stat(d); err == nil {
					p.dirs = append(p.dirs, protected{ws, fi})
				}
			}
		}
	}
	return p
}

// check refuses path when it is a protected file or a folder holding one, or names one of the
// workspace's files (present or not) in its folder.
func (p protection) check(path string) error {
	if d, err := os.Stat(filepath.Dir(path)); err == nil {
		for _, h := range p.homes {
			if !os.SameFile(d, h.dir) {
				continue
			}
			for _, n := range h.names {
				if strings.EqualFold(filepath.Base(path), n) { // EqualFold: the folder may ignore case
					return refused("%s is the workspace's file %s (SQLite would read it); choose another --out", path, n)
				}
			}
		}
	}
	fi, err := os.Stat(path) // through a link: a link to the workspace is the workspace
	if err != nil {
		return nil
	}
	for _, f := range p.files {
		if os.SameFile(fi, f.fi) {
			return refused("%s is the workspace %s; choose another --out", path, f.path)
		}
	}
	if fi.IsDir() {
		for _, d := range p.dirs {
			if os.SameFile(fi, d.fi) {
				return refused("%s holds the workspace %s, and an export folder may not; choose another --out", path, d.path)
			}
		}
	}
	return nil
}

// Prepare checks an output path (o.Out, or a path a writer derives from it) before an export writes
// there. A path that does not exist is fine. An existing one is an error (ErrExists) unless resume (the
// writer continues it) or o.Force: then the files an earlier loupe export wrote there, as its manifest
// lists them, are removed (o.Log hears which), and anything else there is refused (ErrRefused), by
// name. A path that is one of o.Protect's files, or a folder holding one, is always refused.
func Prepare(out string, o Options, resume bool) error {
	if err := prepare(out, o, resume); err != nil {
		return err
	}
	expectFile(out)
	return nil
}

// prepare is Prepare for the writers that record their own files (hf, webdataset).
func prepare(out string, o Options, resume bool) error {
	if out == "" {
		return errors.New("no output path (--out)")
	}
	prot := protect(o.Protect)
	if err := prot.check(out); err != nil {
		return err
	}
	_, err := os.Lstat(out)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return err
	case exists:
		if resume {
			return nil
		}
		if !o.Force {
			return fmt.Errorf("%s: %w", out, ErrExists)
		}
		if fi, err := os.Stat(out); err == nil && fi.IsDir() {
			return replaceFolder(out, o, prot)
		}
	case !o.Force:
		return nil
	default: // no file, but a manifest beside it may list pictures of an earlier export
		if _, err := os.Lstat(sidecarName(out)); err != nil {
			return nil
		}
	}
	return replaceFile(out, exists, o, prot)
}

// replaceFolder removes the files an earlier export listed in the folder out, and the folders they leave
// empty; it refuses, changing nothing, when the folder holds anything else.
func replaceFolder(out string, o Options, prot protection) error {
	root := out
	link := false
	if fi, err := os.Lstat(out); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if real, err := filepath.EvalSymlinks(out); err == nil {
			root, link = real, true // walk the folder the link names; the link stays
		}
	}
	own, err := readOwnership(filepath.Join(root, manifestName))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	remove, rels, foreign, err := sortFiles(root, root, func(rel, name string) bool {
		return own != nil && (own[rel] || rel == manifestName || tempName.MatchString(name))
	})
	if err != nil {
		return err
	}
	if len(foreign) > 0 {
		if own == nil {
			return refused("%s is not a loupe export (no %s) and holds %s; %s", out, manifestName, few(foreign), onlyOurs)
		}
		return refused("in %s, %s not written by the earlier export (not in its %s); %s", out, few(foreign), manifestName, onlyOurs)
	}
	if err := removeAll(out, root, remove, rels, o.Log); err != nil {
		return err
	}
	if !link && own != nil {
		os.Remove(out) // the export's folder, when nothing else is left in it
	}
	return nil
}

// replaceFile removes a file output out (when it exists) and its pictures as the manifest beside it
// lists them; it refuses, changing nothing, when out is not listed there, or the pictures' folder
// holds anything else.
func replaceFile(out string, exists bool, o Options, prot protection) error {
	dir, base, images := filepath.Dir(out), filepath.Base(out), imageDir(out)
	side := sidecarName(out)
	own, err := readOwnership(side)
	if errors.Is(err, os.ErrNotExist) {
		return refused("%s was not written by a loupe export (no %s beside it); %s", out, filepath.Base(side), onlyOurs)
	}
	if err != nil {
		return err
	}
	for rel := range own {
		if rel != base && !strings.HasPrefix(rel, images+"/") || !filepath.IsLocal(filepath.FromSlash(rel)) {
			return refused("%s lists %q, which is neither %s nor in %s/; %s", side, rel, base, images, onlyOurs)
		}
	}
	var remove, rels, foreign []string
	if exists {
		fi, err := os.Lstat(out)
		if err != nil {
			return err
		}
		if !own[base] || !fi.Mode().IsRegular() {
			return refused("%s is not the file %s lists; %s", out, filepath.Base(side), onlyOurs)
		}
		remove, rels = append(remove, out), append(rels, base)
	}
	pics := filepath.Join(dir, images)
	if fi, err := os.Lstat(pics); err == nil {
		if !fi.IsDir() {
			return refused("%s is not the pictures' folder of a loupe export; %s", pics, onlyOurs)
		}
		if err := prot.check(pics); err != nil {
			return err
		}
		r, rl, f, err := sortFiles(pics, dir, func(rel, name string) bool { return own[rel] || tempName.MatchString(name) })
		if err != nil {
			return err
		}
		remove, rels, foreign = append(remove, r...), append(rels, rl...), f
	}
	if len(foreign) > 0 {
		return refused("in %s, %s not written by the earlier export (not in %s); %s", dir, few(foreign), filepath.Base(side), onlyOurs)
	}
	remove, rels = append(remove, side), append(rels, filepath.Base(side))
	if err := removeAll(dir, dir, remove, rels, o.Log); err != nil {
		return err
	}
	os.Remove(pics) // when empty
	return nil
}

// removeAll says what it replaces on log, removes the files, then the folders under root they leave
// empty (deepest first).
func removeAll(out, root string, paths, rels []string, log io.Writer) error {
	if log != nil && len(paths) > 0 {
		list, more := rels, ""
		if len(list) > 5 {
			list, more = list[:5], fmt.Sprintf(" and %d more", len(rels)-5)
		}
		noun := "files"
		if len(rels) == 1 {
			noun = "file"
		}
		fmt.Fprintf(log, "replacing %d %s of an earlier export in %s: %s%s\n", len(rels), noun, review.Clean(out),
			review.Clean(strings.Join(list, ", ")), more)
	}
	dirs := map[string]bool{}
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		for d := filepath.Dir(p); d != root && strings.HasPrefix(d, root) && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	order := make([]string, 0, len(dirs))
	for d := range dirs {
		order = append(order, d)
	}
	sort.Slice(order, func(i, j int) bool { return len(order[i]) > len(order[j]) })
	for _, d := range order {
		os.Remove(d) // only when empty
	}
	return nil
}

// few names up to three of a list of files.
func few(files []string) string {
	if len(files) <= 3 {
		return review.Clean(strings.Join(files, ", "))
	}
	return review.Clean(strings.Join(files[:3], ", ")) + fmt.Sprintf(" and %d more", len(files)-3)
}

// pending are the outputs Prepare approved that may be a file output (jsonl, csv) whose file is not in
// place yet, by absolute path. The CreateAtomic of such a file claims it, and its Commit writes the
// manifest beside it: the jsonl and csv writers share code that reaches the manifest only through
// Prepare, CreateAtomic and Commit.
var pending = struct {
	sync.Mutex
	paths map[string]bool
}{paths: map[string]bool{}}

func expectFile(out string) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return
	}
	pending.Lock()
	defer pending.Unlock()
	if len(pending.paths) > 1000 {
		clear(pending.paths) // folder outputs are never claimed: keep them from piling up
	}
	pending.paths[abs] = true
}

// claimFile reports whether final is a file output Prepare approved, and forgets it (and its pictures'
// folder).
func claimFile(final string) bool {
	abs, err := filepath.Abs(final)
	if err != nil {
		return false
	}
	pending.Lock()
	defer pending.Unlock()
	if !pending.paths[abs] {
		return false
	}
	delete(pending.paths, abs)
	delete(pending.paths, filepath.Join(filepath.Dir(abs), imageDir(abs)))
	return true
}

// writeSidecar writes the manifest beside the file output final: the file and the pictures in its
// folder. Prepare saw to it that the folder was new or emptied, so what is in it now is this export's.
func writeSidecar(final string) error {
	dir := filepath.Dir(final)
	files := []string{filepath.Base(final)}
	err := filepath.WalkDir(filepath.Join(dir, imageDir(final)), func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() || tempName.MatchString(d.Name()) {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err == nil {
		err = writeManifest(sidecarName(final), "", files)
	}
	if err != nil {
		return fmt.Errorf("%s is written, but not the manifest beside it that lets --force replace it: %w", final, err)
	}
	return nil
}

// AtomicFile is a file written under a temporary name in its final folder and renamed into place by
// Commit, so a half-written file is never visible under its name.
type AtomicFile struct {
	*os.File
	final    string
	manifest bool // a file output's file: Commit writes the manifest beside it
}

// CreateAtomic starts an atomic file.
func CreateAtomic(final string) (*AtomicFile, error) {
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(final), "."+filepath.Base(final)+".tmp*")
	if err != nil {
		return nil, err
	}
	return &AtomicFile{File: f, final: final, manifest: claimFile(final)}, nil
}

// syncNote, when set (by tests), hears of every fsync Commit makes: ("file", final path) before the
// rename, ("dir", folder) after it.
var syncNote func(kind, path string)

// Commit makes the file durable under its name: it syncs the data to disk, closes the file, renames it
// into place and syncs the folder, so that neither the data nor the rename is lost on a power failure.
// For a file output (jsonl, csv) it then writes the manifest beside it.
func (a *AtomicFile) Commit() error {
	if err := a.Chmod(0o644); err != nil {
		a.Abort()
		return err
	}
	if err := a.Sync(); err != nil {
		a.Abort()
		return fmt.Errorf("%s: %w", a.final, err)
	}
	if syncNote != nil {
		syncNote("file", a.final)
	}
	if err := a.Close(); err != nil {
		os.Remove(a.Name())
		return err
	}
	if err := os.Rename(a.Name(), a.final); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(a.final)); err != nil {
		return err
	}
	if a.manifest {
		return writeSidecar(a.final)
	}
	return nil
}

// syncDir syncs a folder, making the renames in it durable. Windows cannot sync a folder (and renames
// are journaled there); file systems that refuse are let be.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	if syncNote != nil {
		syncNote("dir", dir)
	}
	return nil
}

// Abort closes and removes the temporary file.
func (a *AtomicFile) Abort() {
	a.Close()
	os.Remove(a.Name())
}

var _ io.Writer = (*AtomicFile)(nil)

// sortFiles walks the files below walk and sorts them into what ours says an earlier export wrote
// (their paths, and their slash-separated paths relative to relTo) and the rest (foreign, relative).
func sortFiles(walk, relTo string, ours func(rel, name string) bool) (remove, rels, foreign []string, err error) {
	err = filepath.WalkDir(walk, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(relTo, p)
		rel = filepath.ToSlash(rel)
		if ours(rel, d.Name()) {
			remove, rels = append(remove, p), append(rels, rel)
		} else {
			foreign = append(foreign, rel)
		}
		return nil
	})
	return remove, rels, foreign, err
}
