// Package textfold folds text for comparing what a predictor quotes with
// what a conversation says: lower case, every run of white space one
// space. predict.Validate compares evidence this way; predictors that check
// their own quotes fold the same way, so that both agree.
package textfold

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold folds s for evidence comparison: lower case, every run of
// white space one space, trimmed.
func Fold(s string) string {
	if !isASCII(s) {
		return strings.Join(strings.Fields(strings.ToLower(s)), " ")
	}
	if foldedASCII(s) {
		return s
	}
	return string(AppendFold(make([]byte, 0, len(s)), s))
}

// AppendFold appends Fold(s) to b, in one pass when s is ASCII.
func AppendFold(b []byte, s string) []byte {
	if !isASCII(s) {
		return append(b, Fold(s)...)
	}
	space := false
	start := len(b)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case asciiSpace(c):
			space = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if space && len(b) > start {
			b = append(b, ' ')
		}
		space = false
		b = append(b, c)
	}
	return b
}

// foldedASCII reports whether the ASCII text s is folded already.
func foldedASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || asciiSpace(c) && (c != ' ' || i == 0 || i == len(s)-1 || s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// asciiSpace reports whether c is white space as strings.Fields sees it.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Rune lower-cases r and strips the diacritics of the Latin letters
// the supported languages use. It returns 0 for runes that fold to two
// letters; see AppendRune.
func Rune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}
	r = unicode.ToLower(r)
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā':
		return 'a'
	case 'ç', 'ć', 'č':
		return 'c'
	case 'è', 'é', 'ê', 'ë', 'ē', 'ę', 'ě':
		return 'e'
	case 'ì', 'í', 'î', 'ï', 'ī', 'ı':
		return 'i'
	case 'ñ', 'ń', 'ň':
		return 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ő':
		return 'o'
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů', 'ű':
		return 'u'
	case 'ý', 'ÿ':
		return 'y'
	case 'ł':
		return 'l'
	case 'ś', 'š', 'ş':
		return 's'
	case 'ź', 'ż', 'ž':
		return 'z'
	case 'ř':
		return 'r'
	case 'ğ':
		return 'g'
	case 'ß', 'æ', 'œ':
		return 0
	}
	return r
}

// AppendRune appends r folded as Rune folds it, with the letters that
// fold to two written out (ß as ss, æ as ae, œ as oe).
func AppendRune(b []byte, r rune) []byte {
	f := Rune(r)
	switch {
	case f == 0 && r == 'ß':
		return append(b, "ss"...)
	case f == 0 && (r == 'æ' || r == 'Æ'):
		return append(b, "ae"...)
	case f == 0:
		return append(b, "oe"...)
	case f < utf8.RuneSelf:
		return append(b, byte(f))
	}
	return utf8.AppendRune(b, f)
}

// Plain returns s lower-cased without the diacritics Rune strips, with
// the letters that fold to two written out: "José Müller-Straße" is
// "jose muller-strasse".
func Plain(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = AppendRune(b, r)
	}
	return string(b)
}
