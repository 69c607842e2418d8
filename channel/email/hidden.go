package email

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// invisible reports whether an element is not shown to a reader: it has
// the hidden attribute, or its inline style hides it (display:none,
// visibility:hidden or collapse, opacity 0, a font size of at most one
// pixel, no height or width with overflow hidden, text in the colour of
// its background).
func invisible(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, "hidden") {
			return true
		}
	}
	style := attr(n, "style")
	if style == "" {
		return false
	}
	var color, background string
	var zeroBox, overflowHidden bool
	for _, decl := range strings.Split(style, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.ToLower(strings.TrimSpace(v))
		v = strings.TrimSpace(strings.TrimSuffix(v, "!important"))
		switch k {
		case "display":
			if v == "none" {
				return true
			}
		case "visibility":
			if v == "hidden" || v == "collapse" {
				return true
			}
		case "opacity":
			if f, ok := cssNumber(v); ok && f <= 0.05 {
				return true
			}
		case "font-size":
			if tiny(v, 1) {
				return true
			}
		case "height", "max-height", "width", "max-width":
			if tiny(v, 0) {
				zeroBox = true
			}
		case "overflow", "overflow-x", "overflow-y":
			overflowHidden = overflowHidden || v == "hidden" || v == "clip"
		case "color":
			color = cssColor(v)
		case "background-color", "background":
			background = cssColor(v)
		}
	}
	return zeroBox && overflowHidden || color != "" && color == background
}

// tiny reports whether a CSS length is at most limit pixels: 0 in any
// unit, or a small size in px, pt or a relative unit.
func tiny(v string, limit float64) bool {
	num := strings.TrimRight(v, "abcdefghijklmnopqrstuvwxyz%")
	unit := v[len(num):]
	f, ok := cssNumber(num)
	if !ok {
		return false
	}
	switch unit {
	case "", "px", "pt":
		return f <= limit
	case "em", "rem":
		return f <= limit/16
	case "%":
		return f <= limit*100/16
	}
	return f == 0
}

func cssNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f != f {
		return 0, false
	}
	return f, true
}

// cssColor normalises the colour values senders hide text with: names
// of white and black, #rgb and #rrggbb, rgb(); the first word of a
// background shorthand. Anything else is returned as written.
func cssColor(v string) string {
	if strings.HasPrefix(v, "rgb") {
		v = strings.ReplaceAll(v, " ", "")
	}
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0]
	}
	switch v {
	case "", "inherit", "initial", "unset", "revert", "transparent", "currentcolor", "none":
		return ""
	case "white", "#fff", "#ffffff", "rgb(255,255,255)":
		return "#ffffff"
	case "black", "#000", "#000000", "rgb(0,0,0)":
		return "#000000"
	}
	if len(v) == 4 && v[0] == '#' {
		return "#" + string([]byte{v[1], v[1], v[2], v[2], v[3], v[3]})
	}
	return v
}
