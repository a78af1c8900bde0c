package review

import "testing"

func TestPackRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		caps   uint16
		scores Scores
		trait  int
	}{
		{0, NoScores, -1},
		{0xffff, Scores{10, 10, 10, 10, 10, 10, 10, 10, 10}, 0},
		{0x81, Scores{3, -1, 9, 9, 2, 1, 0, 8, 8}, 2},
		{0x02, Scores{-1, -1, -1, -1, -1, 7, 5, -1, -1}, 5},
	} {
		p := Pack(tc.caps, tc.scores)
		c, s := Unpack(p)
		if c != tc.caps || s != tc.scores {
			t.Errorf("Unpack(Pack(%x, %v)) = %x, %v", tc.caps, tc.scores, c, s)
		}
		if got := int((p >> 52) & 15); (tc.trait < 0 && got != 15) || (tc.trait >= 0 && got != tc.trait) {
			t.Errorf("trait bits %d, want %d", got, tc.trait)
		}
	}
}
