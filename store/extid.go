package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
)

// External ids "<prefix>-<digits>" are stored as integers (see migration 0001, id_prefixes).
const (
	extNumBits   = 39
	extWidthBits = 4
	extMaxDigits = 11 // 10^11 < 2^39
	extMaxPrefix = 1 << 20
)

// extIDExpr is the SQL for item i's external id as text.
const extIDExpr = `coalesce(i.ext_id, (SELECT p.prefix FROM id_prefixes p WHERE p.id = i.ext_key >> 43) || '-' ||
	printf('%0*d', (i.ext_key >> 39) & 15, i.ext_key & 549755813887))`

// splitExt splits an external id into prefix and number when it has the integer form.
func splitExt(ext string) (prefix string, width int, num int64, ok bool) {
	i := len(ext) - 1
	for i >= 0 && ext[i] >= '0' && ext[i] <= '9' {
		i--
	}
	width = len(ext) - 1 - i
	if i <= 0 || ext[i] != '-' || width == 0 || width > extMaxDigits {
		return "", 0, 0, false
	}
	n, err := strconv.ParseInt(ext[i+1:], 10, 64)
	if err != nil {
		return "", 0, 0, false
	}
	return ext[:i], width, n, true
}

func makeKey(prefixID int64, width int, num int64) int64 {
	return prefixID<<(extNumBits+extWidthBits) | int64(width)<<extNumBits | num
}

// extRef is how one external id is stored: key != 0 for the integer form, else text.
type extRef struct {
	key  int64
	text string
}

// where returns the condition (on items aliased as alias, "" for none) and its argument.
func (r extRef) where(alias string) (string, any) {
	col := "ext_id"
	if alias != "" {
		col = alias + "." + col
	}
	if r.key != 0 {
		return col[:len(col)-2] + "key = ?", r.key
	}
	return col + " = ?", r.text
}

// value returns the column name and value to insert.
func (r extRef) column() (string, any) {
	if r.key != 0 {
		return "ext_key", r.key
	}
	return "ext_id", r.text
}

// resolveExt maps an external id to its stored form. With create, a new prefix is registered (in q's
// transaction); without, an unknown prefix means the text form (no item can have the integer one).
func resolveExt(ctx context.Context, q Querier, ext string, create bool) (extRef, error) {
	prefix, width, num, ok := splitExt(ext)
	if !ok {
		return extRef{text: ext}, nil
	}
	id, err := prefixID(ctx, q, prefix, create)
	if err != nil {
		return extRef{}, err
	}
	if id == 0 || id >= extMaxPrefix {
		return extRef{text: ext}, nil
	}
	return extRef{key: makeKey(id, width, num)}, nil
}

func prefixID(ctx context.Context, q Querier, prefix string, create bool) (int64, error) {
	if create {
		if _, err := q.ExecContext(ctx, `INSERT INTO id_prefixes (prefix) VALUES (?) ON CONFLICT DO NOTHING`, prefix); err != nil {
			return 0, wrapErr(err)
		}
	}
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM id_prefixes WHERE prefix = ?`, prefix).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, wrapErr(err)
}
