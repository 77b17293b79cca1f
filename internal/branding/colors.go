package branding

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MinContrast is WCAG 2 level AA for normal text: both brand colours carry
// or sit behind text, so both must reach it against white.
const MinContrast = 4.5

// ParseColor reads "#rrggbb" (or "#rgb"), case-insensitive, and returns it
// in the canonical lower-case six-digit form.
func ParseColor(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !strings.HasPrefix(s, "#") {
		return "", fmt.Errorf(`must be a colour like "#0b57c2"`)
	}
	h := s[1:]
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return "", fmt.Errorf(`must be a colour like "#0b57c2"`)
	}
	if _, err := strconv.ParseUint(h, 16, 32); err != nil {
		return "", fmt.Errorf(`must be a colour like "#0b57c2"`)
	}
	return "#" + h, nil
}

// luminance is WCAG 2's relative luminance of a canonical "#rrggbb".
func luminance(c string) float64 {
	v, _ := strconv.ParseUint(c[1:], 16, 32)
	ch := func(shift uint) float64 {
		s := float64((v>>shift)&0xff) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(16) + 0.7152*ch(8) + 0.0722*ch(0)
}

// Contrast is the WCAG 2 contrast ratio of two canonical colours (1 to 21).
func Contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// White is the text on the primary colour and the page the accent colour
// sits on in both portals.
const White = "#ffffff"

// CheckReadable refuses a colour that white text (or a white page) cannot be
// read against; the message says the ratio found and the one needed.
func CheckReadable(c string) error {
	if r := Contrast(c, White); r < MinContrast {
		return fmt.Errorf("unreadable: contrast %.2f:1 with white text, at least %.1f:1 needed (WCAG AA); choose a darker colour", r, MinContrast)
	}
	return nil
}
