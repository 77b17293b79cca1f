package identity

import (
	_ "embed"
	"strconv"
	"strings"
	"unicode"
)

//go:embed common_words.txt
var commonWords string

// commonPasswords is the refused list: each base word of common_words.txt
// with the suffixes people add to reach a length rule (years, 1…123456789,
// "!"), lower-cased, kept when at least MinPassword long. Built once at
// start (a few thousand entries); the file stays small and readable.
var commonPasswords = func() map[string]bool {
	suffixes := []string{"", "!", "1", "1!", "12", "123", "123!", "1234", "12345", "123456", "1234567", "12345678",
		"123456789", "1234567890", "01", "007", "69", "99", "00", "11", "111", "777", "2000", "!!", "@123", "#1"}
	for y := 1990; y <= 2030; y++ {
		suffixes = append(suffixes, strconv.Itoa(y))
	}
	set := map[string]bool{}
	for _, line := range strings.Split(commonWords, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			if ww := w + w; len(ww) >= MinPassword {
				set[strings.ToLower(ww)] = true
			}
			for _, s := range suffixes {
				if cand := w + s; len(cand) >= MinPassword {
					set[strings.ToLower(cand)] = true
				}
			}
		}
	}
	return set
}()

// sequences are runs people type: a password inside one of them, forwards
// or backwards, is refused (1234567890, qwertyuiop, abcdefghij).
var sequences = []string{"01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm",
	"qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn", "1qaz2wsx3edc4rfv5tgb6yhn", "zaq12wsxcde34rfv"}

// weakPassword names why pw is too easy to guess, or returns "".
func weakPassword(pw string) string {
	low := strings.ToLower(pw)
	if commonPasswords[low] {
		return "is one of the most common passwords; choose another"
	}
	distinct := map[rune]bool{}
	for _, r := range low {
		distinct[r] = true
	}
	if len(distinct) < 4 {
		return "repeats too few characters; choose a longer mix"
	}
	for _, s := range sequences {
		if strings.Contains(s, low) || strings.Contains(reverse(s), low) {
			return "is a run of keys or digits; choose another"
		}
	}
	// A short unit repeated (abcabcabcabc, 12121212121).
	for n := 1; n <= len(low)/2; n++ {
		if len(low)%n == 0 && strings.Repeat(low[:n], len(low)/n) == low {
			return "repeats a short pattern; choose another"
		}
	}
	return ""
}

// controlChar reports a control character (NUL, escape, line breaks…): a
// password is typed, and such characters only arrive by accident or attack.
func controlChar(pw string) bool {
	return strings.IndexFunc(pw, unicode.IsControl) >= 0
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
