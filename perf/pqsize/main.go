// Command pqsize prints, for Parquet shards, what a cold-cache read should cost: the compressed size
// of the columns `loupe import` reads (id, score_*, bool_caption_* or, where a flag column is missing,
// its caption_* column), the footers, and with -row the compressed share of one row (each column
// chunk of its row group divided by the group's rows). It reads footers only.
//
//	go run ./perf/pqsize DIR...               # totals over every .parquet under DIR
//	go run ./perf/pqsize -row 42 FILE         # plus row 42's share and the pages that hold it
//	go run ./perf/pqsize -layout FILE         # every column chunk of the first row group
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/parquet-go/parquet-go"
)

func main() {
	row := flag.Int64("row", -1, "also print this row's compressed share (one file)")
	layout := flag.Bool("layout", false, "print the first row group's column chunks")
	flag.Parse()
	var files []string
	for _, a := range flag.Args() {
		filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
				files = append(files, p)
			}
			return err
		})
	}
	var total, meta, footers int64
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			fail(err)
		}
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(*row < 0), parquet.SkipBloomFilters(true))
		if err != nil {
			fail(fmt.Errorf("%s: %w", p, err))
		}
		md := pf.Metadata()
		total += st.Size()
		var tail [8]byte
		f.ReadAt(tail[:], st.Size()-8)
		footers += int64(uint32(tail[0])|uint32(tail[1])<<8|uint32(tail[2])<<16|uint32(tail[3])<<24) + 8
		names := map[string]bool{}
		for _, c := range md.RowGroups[0].Columns {
			names[strings.Join(c.MetaData.PathInSchema, ".")] = true
		}
		want := func(name string) bool {
			switch {
			case name == "id", strings.HasPrefix(name, "score_"), strings.HasPrefix(name, "bool_caption_"):
				return true
			case strings.HasPrefix(name, "caption_") && !strings.HasSuffix(name, "_cn"):
				return !names["bool_"+name]
			}
			return false
		}
		for gi, g := range md.RowGroups {
			for _, c := range g.Columns {
				name := strings.Join(c.MetaData.PathInSchema, ".")
				if want(name) {
					meta += c.MetaData.TotalCompressedSize
				}
				if *layout && gi == 0 {
					fmt.Printf("%-28s offset %10d  %9d bytes  page index at %d (%d bytes)\n", name, c.MetaData.DataPageOffset, c.MetaData.TotalCompressedSize, c.OffsetIndexOffset, c.OffsetIndexLength)
				}
			}
		}
		if *row >= 0 {
			rowShare(pf, *row)
		}
		f.Close()
	}
	fmt.Printf("files %d  bytes %d  metadata_columns_compressed %d  footers %d\n", len(files), total, meta, footers)
}

// rowShare prints row's share of its row group and the bytes of the pages that hold it.
func rowShare(pf *parquet.File, row int64) {
	md := pf.Metadata()
	base := int64(0)
	for gi, g := range md.RowGroups {
		if row >= base+g.NumRows {
			base += g.NumRows
			continue
		}
		at := row - base
		var share, pages float64
		for ci, c := range g.Columns {
			share += float64(c.MetaData.TotalCompressedSize) / float64(g.NumRows)
			oi := pf.OffsetIndexes()
			if len(oi) == 0 {
				continue
			}
			locs := oi[gi*len(g.Columns)+ci].PageLocations
			for i, l := range locs {
				if l.FirstRowIndex <= at && (i+1 == len(locs) || locs[i+1].FirstRowIndex > at) {
					pages += float64(l.CompressedPageSize)
				}
			}
		}
		fmt.Printf("row %d: row group %d, share of the group %.0f bytes, pages holding it %.0f bytes\n", row, gi, share, pages)
		return
	}
	fail(fmt.Errorf("no row %d", row))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pqsize:", err)
	os.Exit(1)
}
