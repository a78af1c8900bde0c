-- 0011: dimensions a label file declares (loupe import labels --scale / --categories) beside the built-in
-- ones. A numeric scale is the dimension's scale_min..scale_max; a categorical one lists its category
-- names here, in order (values are their indexes 0..k-1). Built-in dimensions have no row.
CREATE TABLE IF NOT EXISTS dimension_categories (
    dimension_id INTEGER PRIMARY KEY REFERENCES dimensions(id),
    categories   TEXT NOT NULL -- JSON array of names
);
