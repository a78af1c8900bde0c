// Package fluxschema defines the FLUX-Reason-6M Parquet schema once: the 36 columns of the published
// shards, in the published column order, as a struct parquet-go reads and writes. The dataset package
// reads and generates shards with it (dataset.FluxRow) and the export package writes it, with loupe's
// own columns after it. It imports nothing.
package fluxschema

// Columns are the 36 columns of the FLUX-Reason-6M schema in the published column order. Score is the
// Go type of the nine score columns: int64 for the published shards (required columns), *int64 for
// loupe's Parquet export (optional columns, null where an item has no score). Embedded in another
// struct, the columns come first and keep their names (parquet-go flattens embedded structs).
type Columns[Score int64 | *int64] struct {
	ID    string `parquet:"id"`
	Image Image  `parquet:"image"`

	CaptionComposition *string `parquet:"caption_composition,optional"`
	CaptionEntity      *string `parquet:"caption_entity,optional"`
	CaptionText        *string `parquet:"caption_text,optional"`
	CaptionImaginative *string `parquet:"caption_imaginative,optional"`
	CaptionStyle       *string `parquet:"caption_style,optional"`
	CaptionAbstract    *string `parquet:"caption_abstract,optional"`
	CaptionOriginal    *string `parquet:"caption_original,optional"`
	CaptionDetail      *string `parquet:"caption_detail,optional"`

	CaptionCompositionCN *string `parquet:"caption_composition_cn,optional"`
	CaptionEntityCN      *string `parquet:"caption_entity_cn,optional"`
	CaptionTextCN        *string `parquet:"caption_text_cn,optional"`
	CaptionImaginativeCN *string `parquet:"caption_imaginative_cn,optional"`
	CaptionStyleCN       *string `parquet:"caption_style_cn,optional"`
	CaptionAbstractCN    *string `parquet:"caption_abstract_cn,optional"`
	CaptionOriginalCN    *string `parquet:"caption_original_cn,optional"`
	CaptionDetailCN      *string `parquet:"caption_detail_cn,optional"`

	BoolCaptionComposition bool `parquet:"bool_caption_composition"`
	BoolCaptionEntity      bool `parquet:"bool_caption_entity"`
	BoolCaptionText        bool `parquet:"bool_caption_text"`
	BoolCaptionImaginative bool `parquet:"bool_caption_imaginative"`
	BoolCaptionStyle       bool `parquet:"bool_caption_style"`
	BoolCaptionAbstract    bool `parquet:"bool_caption_abstract"`
	BoolCaptionOriginal    bool `parquet:"bool_caption_original"`
	BoolCaptionDetail      bool `parquet:"bool_caption_detail"`

	ScoreComposition    Score `parquet:"score_composition"`
	ScoreEntity         Score `parquet:"score_entity"`
	ScoreText           Score `parquet:"score_text"`
	ScoreImaginative    Score `parquet:"score_imaginative"`
	ScoreStyle          Score `parquet:"score_style"`
	ScoreAbstract       Score `parquet:"score_abstract"`
	ScoreOriginal       Score `parquet:"score_original"`
	ScoreImageClarity   Score `parquet:"score_image_clarity"`
	ScoreImageStructure Score `parquet:"score_image_structure"`

	Caption *string `parquet:"caption,optional"`
}

// Image is the hub "Image feature" layout: encoded bytes plus a path (null in the published shards).
type Image struct {
	Bytes []byte  `parquet:"bytes,optional"`
	Path  *string `parquet:"path,optional"`
}

// Captions returns pointers to the English and Chinese caption columns and the caption flags, each in
// caption kind order (review.CaptionKinds: composition, entity, text, imaginative, style, abstract,
// original, detail).
func (c *Columns[Score]) Captions() (en, zh [8]**string, flags [8]*bool) {
	en = [8]**string{&c.CaptionComposition, &c.CaptionEntity, &c.CaptionText, &c.CaptionImaginative,
		&c.CaptionStyle, &c.CaptionAbstract, &c.CaptionOriginal, &c.CaptionDetail}
	zh = [8]**string{&c.CaptionCompositionCN, &c.CaptionEntityCN, &c.CaptionTextCN, &c.CaptionImaginativeCN,
		&c.CaptionStyleCN, &c.CaptionAbstractCN, &c.CaptionOriginalCN, &c.CaptionDetailCN}
	flags = [8]*bool{&c.BoolCaptionComposition, &c.BoolCaptionEntity, &c.BoolCaptionText, &c.BoolCaptionImaginative,
		&c.BoolCaptionStyle, &c.BoolCaptionAbstract, &c.BoolCaptionOriginal, &c.BoolCaptionDetail}
	return en, zh, flags
}

// Scores returns pointers to the nine score columns in the dataset's column order
// (review.PipelineScores).
func (c *Columns[Score]) Scores() [9]*Score {
	return [9]*Score{&c.ScoreComposition, &c.ScoreEntity, &c.ScoreText, &c.ScoreImaginative, &c.ScoreStyle,
		&c.ScoreAbstract, &c.ScoreOriginal, &c.ScoreImageClarity, &c.ScoreImageStructure}
}
