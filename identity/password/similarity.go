package password

import "strings"

// Kratos's identifier similarity rule (selfservice/strategy/password/validator.go, v1.3.1): after
// lowercasing both, a password is too similar to an identifier when their Levenshtein distance is
// under 5, or when their longest common substring is more than half the password's length.
const (
	minIdentifierDistance   = 5
	maxCommonSubstringRatio = 0.5
)

// tooSimilar applies Kratos's rule. It counts runes where Kratos counts bytes in the substring's
// ratio (and its substring table mixes the two for non-ASCII text); for ASCII both agree. Its
// time and memory are O(len(password) × len(identifier)) and O(len(identifier)).
func tooSimilar(identifier, password string) bool {
	id, pw := []rune(strings.ToLower(identifier)), []rune(strings.ToLower(password))
	if levenshtein(id, pw) < minIdentifierDistance {
		return true
	}
	return float64(longestCommonSubstring(id, pw)) > maxCommonSubstringRatio*float64(len(pw))
}

// levenshtein returns the edit distance of a and b (insertions, deletions, substitutions).
func levenshtein(a, b []rune) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// longestCommonSubstring returns the length of the longest run of runes that a and b share.
func longestCommonSubstring(a, b []rune) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	best := 0
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				best = max(best, cur[j])
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return best
}
