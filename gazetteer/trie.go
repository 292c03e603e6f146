package gazetteer

import (
	"unicode"
)

// trie is a rune trie over every name the gazetteer knows. Scanning an
// address walks it from each start position and stops at the first rune
// that continues no name, so the cost depends on the address, not on the
// thousands of names.
type trie struct {
	// edges maps (node, rune) to the child node; one map keeps the trie
	// compact, and the key is small enough to hash quickly.
	edges map[edge]int32
	// term holds, per node, the index in Gazetteer.terms of the name that
	// ends there, or -1.
	term []int32
}

type edge struct {
	node int32
	r    rune
}

func newTrie() trie {
	return trie{edges: make(map[edge]int32), term: []int32{-1}}
}

// node returns the node for key, creating the path as needed.
func (t *trie) node(key []rune) int32 {
	n := int32(0)
	for _, r := range key {
		next, ok := t.edges[edge{n, r}]
		if !ok {
			next = int32(len(t.term))
			t.term = append(t.term, -1)
			t.edges[edge{n, r}] = next
		}
		n = next
	}
	return n
}

// normalize appends the runes of s to dst the way names are compared:
// full-width forms folded to ASCII (Ｂ座１２号 → B座12号) and white space
// (ideographic and zero-width too), which people put anywhere in an
// address, removed.
func normalize(dst []rune, s string) []rune {
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff':
			continue
		case r >= '\uff01' && r <= '\uff5e':
			r -= 0xfee0
		}
		dst = append(dst, r)
	}
	return dst
}
