// Package termimg shows images in terminals: kitty graphics (Unicode placeholders or raw placement),
// iTerm2 inline images, sixel with its own palette quantiser, and a text fallback of block and symbol
// characters for terminals without graphics. It fits an image into a box of cells using the terminal's
// cell size, scales it well and cheaply, refuses images too large to decode safely, caches encoded
// results, and detects what the terminal supports.
package termimg
