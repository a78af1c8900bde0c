package workspace

import (
	"context"
	"errors"
	"fmt"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/review"
)

// Content is an item's content: its texts (the workspace's and, for a dataset row, the shard's
// captions) and its encoded picture. It is the one resolver from "where the picture is" to bytes:
// every read goes through dataset.ReadRow or dataset.ReadPictureFile, which refuse a shard or file that
// changed since it was imported, and a shard row is read once for both texts and picture.
type Content struct {
	Item  *review.Item
	Texts []review.Text // the workspace's texts, then the shard's captions (English, then Chinese, by kind)

	// RowErr says why the item's shard row could not be read (the texts then lack its captions and
	// there is no picture); nil for items that are not in a shard.
	RowErr error

	picture  []byte // read with the shard row
	lazyFile bool   // the picture is a file, read when asked for
}

// Picture returns the encoded picture: the bytes read with the shard row, or the picture file read now
// (with every check of dataset.ReadPictureFile).
func (c *Content) Picture() ([]byte, error) {
	switch {
	case c.RowErr != nil:
		return nil, c.RowErr
	case c.lazyFile:
		return dataset.ReadPictureFile(c.Item.Image)
	case c.Item.Image.Shard != "":
		if len(c.picture) == 0 {
			return nil, fmt.Errorf("%s row %d has no image", c.Item.Image.Shard, c.Item.Image.Row)
		}
		return c.picture, nil
	}
	return nil, errors.New("the item has no image")
}

// ImageBytes is the size of the picture read with the shard row (0 for a picture file or a failed read).
func (c *Content) ImageBytes() int { return len(c.picture) }

// ContentOf resolves an item's content: for a dataset row it reads the shard row (once) for its
// captions and picture; a picture file is read when Picture is called. The item's own Texts are not
// changed.
func ContentOf(it *review.Item) *Content {
	c := &Content{Item: it, Texts: append([]review.Text(nil), it.Texts...)}
	switch {
	case it.Image.Shard != "":
		row, err := dataset.ReadRow(it.Image)
		if err != nil {
			c.RowErr = err
			return c
		}
		c.Texts = append(c.Texts, captionTexts(row)...)
		c.picture = row.Image
	case it.Image.Path != "":
		c.lazyFile = true
	}
	return c
}

// captionTexts are a shard row's captions as texts, by caption kind, English before Chinese.
func captionTexts(row *dataset.ShardRow) []review.Text {
	var out []review.Text
	for k, kind := range review.CaptionKinds {
		if row.EN[k] != "" {
			out = append(out, review.Text{Kind: kind, Lang: "en", Body: row.EN[k]})
		}
		if row.ZH[k] != "" {
			out = append(out, review.Text{Kind: kind, Lang: "zh", Body: row.ZH[k]})
		}
	}
	return out
}

// Content reads an item (by workspace number) and resolves its content (ContentOf). The error is the
// item's lookup's; a shard that cannot be read is reported in RowErr.
func (w *Workspace) Content(ctx context.Context, id int64) (*Content, error) {
	it, err := w.st.ItemByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return ContentOf(it), nil
}

// ContentByRef is Content for an item named by its external id or #number (store.Item).
func (w *Workspace) ContentByRef(ctx context.Context, ref string) (*Content, error) {
	it, err := w.st.Item(ctx, ref)
	if err != nil {
		return nil, err
	}
	return ContentOf(it), nil
}

// Picture reads the encoded picture at ref: its shard row or its file, with the integrity checks.
func Picture(ref review.ImageRef) ([]byte, error) {
	return ContentOf(&review.Item{Image: ref}).Picture()
}
