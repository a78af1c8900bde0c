package termimg

import "testing"

// #19: loupe serve's sessions share one cache per rendering options; kitty pictures (their ids are
// each terminal's own) are left to each screen.
func TestCachesShareByOptions(t *testing.T) {
	c := NewCaches(1<<20, 1)
	defer c.Close()
	six := Options{Protocol: Sixel, Cell: DefaultCell, Profile: TrueColor}
	a, b := c.For(six, false), c.For(six, false)
	if a == nil || a != b {
		t.Fatal("the same options got different caches")
	}
	blocks := six
	blocks.Protocol = Blocks
	if c.For(blocks, false) == a {
		t.Fatal("blocks and sixel share a cache")
	}
	if c.For(Options{Protocol: Kitty, Cell: DefaultCell}, false) != nil {
		t.Fatal("a kitty cache was shared")
	}
	if c.Len() != 2 {
		t.Fatalf("%d caches, want 2", c.Len())
	}
}
