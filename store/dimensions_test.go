package store_test

import (
	"reflect"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

// TestDimensionsMatchMigration holds review.DimensionSpecs and the dimensions rows the migrations
// create together: names, kinds, scales, titles and ids (index+1), row for row.
func TestDimensionsMatchMigration(t *testing.T) {
	st := storetest.Open(t)
	rows, err := st.DB.QueryContext(ctx, `SELECT id, name, kind, scale_min, scale_max, title FROM dimensions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []review.DimensionSpec
	for rows.Next() {
		var id int
		var d review.DimensionSpec
		if err := rows.Scan(&id, &d.Name, &d.Kind, &d.Min, &d.Max, &d.Title); err != nil {
			t.Fatal(err)
		}
		if id != len(got)+1 {
			t.Errorf("dimension %q has id %d, want %d", d.Name, id, len(got)+1)
		}
		got = append(got, d)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(review.DimensionSpecs) {
		t.Fatalf("%d dimensions in the workspace, %d in review.DimensionSpecs", len(got), len(review.DimensionSpecs))
	}
	specs, err := st.DimensionSpecs(ctx)
	if err != nil || !reflect.DeepEqual(specs, got) {
		t.Errorf("DimensionSpecs = %+v, %v; want the table's rows %+v", specs, err, got)
	}
	for i, want := range review.DimensionSpecs {
		t.Run(want.Name, func(t *testing.T) {
			if !reflect.DeepEqual(got[i], want) {
				t.Errorf("row %d: %+v, review.DimensionSpecs has %+v", i+1, got[i], want)
			}
			id, err := store.DimensionID(ctx, st.DB, want.Name)
			if err != nil || id != int64(i+1) {
				t.Errorf("DimensionID(%q) = %d, %v; want %d", want.Name, id, err, i+1)
			}
		})
	}
}

// TestTextKindsMatchMigration holds review.TextKinds (and so review.CaptionKinds, its first eight) and
// review.TextKindID to the text_kinds rows the migrations create.
func TestTextKindsMatchMigration(t *testing.T) {
	st := storetest.Open(t)
	rows, err := st.DB.QueryContext(ctx, `SELECT id, name FROM text_kinds ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		if n >= len(review.TextKinds) || review.TextKinds[n] != name || review.TextKindID(name) != id {
			t.Errorf("text kind row %d: id %d name %q; review.TextKindID(%q) = %d", n+1, id, name, name, review.TextKindID(name))
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(review.TextKinds) {
		t.Errorf("%d text kinds in the workspace, %d in review.TextKinds", n, len(review.TextKinds))
	}
	for k, c := range review.CaptionKinds {
		if review.TextKinds[k] != c {
			t.Errorf("text kind %d is %q, caption kind %d is %q", k+1, review.TextKinds[k], k, c)
		}
	}
}
