package review

import "fmt"

// Plural writes n and the noun, in the plural unless n is 1: Plural(1, "item") is "1 item",
// Plural(3, "item") "3 items". Nouns whose plural is not noun+"s" pass it: Plural(n, "entry", "entries").
func Plural[N ~int | ~int64](n N, noun string, pluralForm ...string) string {
	if len(pluralForm) > 0 {
		return fmt.Sprintf("%d %s", n, Agree(n, noun, pluralForm[0]))
	}
	return fmt.Sprintf("%d %s", n, Agree(n, noun, noun+"s"))
}

// Agree returns one when n is 1, else many (a verb or noun agreeing with a count).
func Agree[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
