package textclass

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Features says how a text becomes a feature vector. The zero value is not
// useful; DefaultFeatures returns the defaults Train uses.
type Features struct {
	// MinWordN and MaxWordN bound the word n-grams (1 and 2 by default),
	// at most 8. MaxWordN 0 turns word features off.
	MinWordN, MaxWordN int
	// MinCharN and MaxCharN bound the character n-grams taken inside each
	// word, padded with a boundary mark on both sides (2 and 5 by
	// default). MaxCharN 0 turns character features off.
	MinCharN, MaxCharN int
	// HashBits is the base-2 logarithm of the size of the hashed feature
	// space, from 10 to 22 (20 by default, so 1,048,576 buckets; a model
	// keeps an index of 4 bytes per bucket). Features in one bucket share
	// a weight, so a larger space means fewer collisions.
	HashBits int
	// FoldAccents removes diacritics ("café" reads as "cafe"), so that
	// customers who type without accents match those who do not.
	FoldAccents bool
	// CharWeight is the weight of the character block relative to the word
	// block; each block is L2-normalised on its own and then scaled, the
	// word block by 1 and the character block by CharWeight. Train reads
	// 0 as 1 when there are character features.
	CharWeight float64
}

// DefaultFeatures returns the feature settings Train uses unless told
// otherwise.
func DefaultFeatures() Features {
	return Features{
		MinWordN: 1, MaxWordN: 2,
		MinCharN: 2, MaxCharN: 5,
		HashBits:    20,
		FoldAccents: true,
		CharWeight:  1,
	}
}

// Limits on feature settings, so that a model file cannot ask for absurd
// amounts of memory or work.
const (
	maxNGram    = 8
	minHashBits = 10
	maxHashBits = 22
)

func (f *Features) valid() bool {
	if f.MaxWordN == 0 && f.MaxCharN == 0 {
		return false
	}
	if f.MaxWordN != 0 && (f.MinWordN < 1 || f.MinWordN > f.MaxWordN || f.MaxWordN > maxNGram) {
		return false
	}
	if f.MaxCharN != 0 && (f.MinCharN < 1 || f.MinCharN > f.MaxCharN || f.MaxCharN > maxNGram) {
		return false
	}
	if f.HashBits < minHashBits || f.HashBits > maxHashBits {
		return false
	}
	return f.CharWeight >= 0 && f.CharWeight <= 100
}

// Hashing: FNV-1a over the rune values, each feature kind started from its
// own offset so that the word "ab" and the character bigram "ab" differ.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	// boundary pads words for character n-grams; it is not a letter, so
	// it never occurs inside a token.
	boundary rune = 0x02
)

func mix(h uint64, r rune) uint64 {
	h ^= uint64(uint32(r))
	h *= fnvPrime
	// A second round spreads the low bits, which index the buckets.
	h ^= h >> 29
	return h
}

func kindSeed(kind, n int) uint64 {
	return mix(mix(fnvOffset, rune(kind)), rune(n))
}

// extractor turns texts into bucket ids. It holds scratch space and is not
// safe for concurrent use; models keep a pool of them.
type extractor struct {
	f       Features
	runes   []rune
	tokens  []span
	whash   []uint64
	decomp  []byte
	padded  []rune
	buckets []uint32
}

type span struct{ start, end int32 }

func newExtractor(f Features) *extractor { return &extractor{f: f} }

// tokenize fills e.runes with the normalised text and e.tokens with the
// words: maximal runs of letters, marks and digits, lower-cased and, when
// asked, without accents.
func (e *extractor) tokenize(text string) {
	e.runes = e.runes[:0]
	e.tokens = e.tokens[:0]
	start := -1
	closeTok := func() {
		if start >= 0 {
			e.tokens = append(e.tokens, span{int32(start), int32(len(e.runes))})
			start = -1
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				closeTok()
				continue
			}
			if start < 0 {
				start = len(e.runes)
			}
			e.runes = append(e.runes, rune(c))
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
			closeTok()
			continue
		}
		if start < 0 {
			start = len(e.runes)
		}
		r = unicode.ToLower(r)
		if e.f.FoldAccents {
			e.appendFolded(r)
			continue
		}
		e.runes = append(e.runes, r)
	}
	closeTok()
}

// appendFolded appends r without its diacritics: the canonical
// decomposition of r minus its combining marks.
func (e *extractor) appendFolded(r rune) {
	if unicode.Is(unicode.Mn, r) {
		return
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	e.decomp = norm.NFD.Append(e.decomp[:0], buf[:n]...)
	for j := 0; j < len(e.decomp); {
		d, size := utf8.DecodeRune(e.decomp[j:])
		j += size
		if !unicode.Is(unicode.Mn, d) {
			e.runes = append(e.runes, d)
		}
	}
}

// extract returns the bucket ids of every feature occurrence in text,
// word features in the lower half of the space and character features in
// the upper half. The slice is reused by the next call.
func (e *extractor) extract(text string) []uint32 {
	e.tokenize(text)
	e.buckets = e.buckets[:0]
	half := uint64(1) << (e.f.HashBits - 1)
	mask := half - 1
	if e.f.MaxWordN > 0 {
		e.whash = e.whash[:0]
		for _, t := range e.tokens {
			h := uint64(fnvOffset)
			for _, r := range e.runes[t.start:t.end] {
				h = mix(h, r)
			}
			e.whash = append(e.whash, h)
		}
		for n := e.f.MinWordN; n <= e.f.MaxWordN; n++ {
			seed := kindSeed(1, n)
			for i := 0; i+n <= len(e.whash); i++ {
				h := seed
				for _, w := range e.whash[i : i+n] {
					h = mix(h, rune(w))
					h = mix(h, rune(w>>32))
				}
				e.buckets = append(e.buckets, uint32(h&mask))
			}
		}
	}
	if e.f.MaxCharN > 0 {
		lo, hi := e.f.MinCharN, e.f.MaxCharN
		seed := kindSeed(2, 0)
		for _, t := range e.tokens {
			// The padded word is boundary + word + boundary.
			e.padded = append(e.padded[:0], boundary)
			e.padded = append(e.padded, e.runes[t.start:t.end]...)
			e.padded = append(e.padded, boundary)
			p := e.padded
			for i := range p {
				h := seed
				for n := 1; n <= hi && i+n <= len(p); n++ {
					h = mix(h, p[i+n-1])
					if n >= lo && !(n == 1 && p[i] == boundary) {
						e.buckets = append(e.buckets, uint32(half|(h&mask)))
					}
				}
			}
		}
	}
	return e.buckets
}
