package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// verdictDims maps the official output folders to workspace dimensions.
var verdictDims = [2][2]string{{"alignment", "prism_alignment"}, {"aesthetic", "prism_aesthetics"}}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// isModelFolder: track sub-folders of images, or official judge outputs.
func isModelFolder(p string) bool {
	if isDir(filepath.Join(p, "alignment")) || isDir(filepath.Join(p, "aesthetic")) {
		return true
	}
	for _, t := range review.Tracks {
		if isDir(filepath.Join(p, t)) {
			return true
		}
	}
	return false
}

func isPrismFolder(p string) bool {
	if isDir(filepath.Join(p, "captions", "en")) || isDir(filepath.Join(p, "captions", "zh")) {
		return true
	}
	return isModelFolder(p)
}

// findCaptions looks for captions/ in the folder and its two parents.
func findCaptions(root string) string {
	for d, i := root, 0; i < 3; d, i = filepath.Dir(d), i+1 {
		if c := filepath.Join(d, "captions"); isDir(c) {
			return c
		}
	}
	return ""
}

// importPrism imports PRISM-Bench folders: prompts (captions/{en,zh}/<track>.jsonl), model image
// folders (<model>/<track>/<i>.png) and official judge outputs ({alignment|aesthetic}/<track>/<i>.jsonl,
// in the model folder). A root may be the benchmark folder (with one sub-folder per model) or one model
// folder. One transaction per model folder.
func importPrism(ctx context.Context, st *store.Store, paths []string, o Options) (*Report, error) {
	r := &Report{Format: Prism}
	lang := o.Lang
	if lang == "" {
		lang = "en"
	}
	if lang != "en" && lang != "zh" {
		return r, fmt.Errorf("--lang %q: want en or zh", lang)
	}
	for _, root := range paths {
		capDir := findCaptions(root)
		if capDir == "" {
			return r, fmt.Errorf("%s: no captions/{en,zh}/<track>.jsonl prompt files here or above", root)
		}
		prompts := map[string]map[int]string{} // "lang/track" -> idx -> prompt
		for _, l := range []string{"en", "zh"} {
			for _, t := range review.Tracks {
				p := filepath.Join(capDir, l, t+".jsonl")
				lines, probs, err := dataset.ReadPrompts(p)
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					return r, fmt.Errorf("%s: %w", p, err)
				}
				for _, pr := range probs {
					r.problem(pr)
				}
				m := map[int]string{}
				for _, ln := range lines {
					m[ln.Index] = ln.Prompt
				}
				prompts[l+"/"+t] = m
			}
		}
		if len(prompts) == 0 {
			return r, fmt.Errorf("%s: no prompt files (want captions/{en,zh}/<track>.jsonl)", capDir)
		}
		if err := store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
			for key, m := range prompts {
				l, t, _ := strings.Cut(key, "/")
				for idx, body := range m {
					if _, err := store.EnsurePrompt(ctx, tx, "prism", l, t, idx, body); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			return r, err
		}
		var models []string
		if isModelFolder(root) {
			models = []string{root}
		} else {
			ents, err := os.ReadDir(root)
			if err != nil {
				return r, err
			}
			for _, e := range ents {
				p := filepath.Join(root, e.Name())
				if e.IsDir() && e.Name() != "captions" && isModelFolder(p) {
					models = append(models, p)
				}
			}
		}
		for _, mdir := range models {
			model := filepath.Base(mdir)
			if o.Model != "" && len(models) == 1 {
				model = o.Model
			}
			mr, err := importPrismModel(ctx, st, mdir, model, lang, prompts, o)
			r.add(mr)
			if err != nil {
				return r, err
			}
			report(o, "imported %s: %d new items, %d new labels", model, mr.Inserted, mr.Labels)
		}
	}
	return r, nil
}

// numberedFiles lists <i>.<ext> files of a folder by index.
func numberedFiles(dir string, exts map[string]bool) (map[int]string, []string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	out := map[int]string{}
	var odd []string
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !exts[ext] {
			continue
		}
		i, err := strconv.Atoi(strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())))
		if err != nil || i < 0 {
			odd = append(odd, e.Name())
			continue
		}
		out[i] = filepath.Join(dir, e.Name())
	}
	return out, odd
}

func sortedKeys(m map[int]string) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

func importPrismModel(ctx context.Context, st *store.Store, mdir, model, lang string,
	prompts map[string]map[int]string, o Options) (*Report, error) {
	r := &Report{Format: Prism, Sources: 1}
	hasVerdicts := isDir(filepath.Join(mdir, "alignment")) || isDir(filepath.Join(mdir, "aesthetic"))
	if hasVerdicts && o.Judge == "" {
		return r, fmt.Errorf("%s: holds official judge outputs (alignment/, aesthetic/): name the judge with --judge", mdir)
	}
	err := store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
		srcID, err := store.EnsureSource(ctx, tx, "prism", mdir)
		if err != nil {
			return err
		}
		if err := recordSourceRoot(ctx, tx, srcID, filepath.Dir(mdir), mdir, ""); err != nil {
			return err
		}
		subset := "prism-" + lang + "/" + model
		subID, err := store.EnsureSubset(ctx, tx, subset, "benchmark")
		if err != nil {
			return err
		}
		itemIDs := map[string]int64{}
		for _, t := range review.Tracks {
			imgs, odd := numberedFiles(filepath.Join(mdir, t), dataset.ImageExts)
			for _, name := range odd {
				r.problem(dataset.Problem{File: filepath.Join(mdir, t, name), Message: "image name is not <index>.png; skipped"})
				r.Skipped++
			}
			for _, i := range sortedKeys(imgs) {
				path := imgs[i]
				body, ok := prompts[lang+"/"+t][i]
				if !ok {
					r.problem(dataset.Problem{File: path, Message: fmt.Sprintf("no %s prompt %d in captions/%s/%s.jsonl; skipped", lang, i, lang, t)})
					r.Skipped++
					continue
				}
				pic, outside, err := inspectPicture(path, mdir, o.AllowOutside)
				if err != nil {
					r.problem(dataset.Problem{File: path, Message: err.Error() + "; skipped"})
					r.Skipped++
					continue
				}
				rel, _ := filepath.Rel(mdir, path)
				ext := fmt.Sprintf("%s/%s/%d", subset, t, i)
				id, added, err := store.InsertItem(ctx, tx, store.NewItem{ExtID: ext, Kind: review.Generation,
					SubsetID: subID, SourceID: srcID, ImagePath: rel, Scores: review.NoScores,
					ImageSize: pic.Size, ImageHash: pic.Hash, Outside: outside})
				if err != nil {
					return err
				}
				if !added {
					if err := repointMoved(ctx, tx, id, srcID, rel, pic); err != nil {
						return err
					}
				}
				pid, err := store.EnsurePrompt(ctx, tx, "prism", lang, t, i, body)
				if err != nil {
					return err
				}
				if err := store.EnsureGeneration(ctx, tx, id, pid, model); err != nil {
					return err
				}
				if added {
					r.Inserted++
				}
				itemIDs[t+"/"+strconv.Itoa(i)] = id
			}
		}
		if hasVerdicts {
			if err := importVerdicts(ctx, tx, mdir, o.Judge, subset, itemIDs, r); err != nil {
				return err
			}
		}
		if err := importTruth(ctx, tx, mdir, itemIDs, r); err != nil {
			return err
		}
		return store.FinishSource(ctx, tx, srcID, 0, 0, int64(len(itemIDs)))
	})
	return r, err
}

func importVerdicts(ctx context.Context, tx *sql.Tx, mdir, judge, subset string, itemIDs map[string]int64, r *Report) error {
	rater, err := store.EnsureRater(ctx, tx, "judge", judge, judge, "official")
	if err != nil {
		return err
	}
	for _, vd := range verdictDims {
		for _, t := range review.Tracks {
			files, _ := numberedFiles(filepath.Join(mdir, vd[0], t), map[string]bool{".jsonl": true, ".json": true})
			for _, i := range sortedKeys(files) {
				path := files[i]
				id, ok := itemIDs[t+"/"+strconv.Itoa(i)]
				if !ok {
					id, err = store.ItemIDByExt(ctx, tx, fmt.Sprintf("%s/%s/%d", subset, t, i))
					if err != nil {
						r.problem(dataset.Problem{File: path, Message: "no image for this verdict; skipped"})
						r.Skipped++
						continue
					}
				}
				v, err := readVerdictFile(path)
				if err != nil {
					r.problem(dataset.Problem{File: path, Message: err.Error()})
					r.Skipped++
					continue
				}
				if v.Error != "" {
					// Kept with no value: a failed verdict is excluded from every mean, never counted as 0.
					r.problem(dataset.Problem{File: path, Message: "verdict failed: " + v.Error + " (kept without a score)"})
				}
				added, err := store.PutLabel(ctx, tx, store.NewLabel{ItemID: id, Dimension: vd[1], RaterID: rater,
					Value: v.Value, Justification: v.Justification, Raw: v.Raw})
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				if added {
					r.Labels++
				}
			}
		}
	}
	return nil
}

// TruthLine is one line of truth.jsonl, loupe's ground-truth file for a model folder: whether the image
// follows its prompt, and the deliberate defect if not.
type TruthLine struct {
	Track  string `json:"track"`
	Index  int    `json:"index"`
	OK     bool   `json:"ok"`
	Defect string `json:"defect,omitempty"`
}

func importTruth(ctx context.Context, tx *sql.Tx, mdir string, itemIDs map[string]int64, r *Report) error {
	path := filepath.Join(mdir, "truth.jsonl")
	data, err := dataset.ReadRegular(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for n, ln := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var tl TruthLine
		if err := json.Unmarshal([]byte(ln), &tl); err != nil {
			r.problem(dataset.Problem{File: path, Where: fmt.Sprintf("line %d", n+1), Message: "invalid JSON"})
			continue
		}
		id, ok := itemIDs[tl.Track+"/"+strconv.Itoa(tl.Index)]
		if !ok {
			continue
		}
		v := 0.0
		if tl.OK {
			v = 1
		}
		added, err := store.PutLabel(ctx, tx, store.NewLabel{ItemID: id, Dimension: "decision", RaterID: store.TruthRater,
			Value: &v, Justification: tl.Defect})
		if err != nil {
			return err
		}
		if added {
			r.Labels++
		}
	}
	return nil
}
