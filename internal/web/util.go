package web

import (
	"strconv"
	"strings"
)

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// parsePlanField parses "plans[3].cost" into 3 and "cost".
func parsePlanField(k string, i *int, sub *string) (int, error) {
	rest, ok := strings.CutPrefix(k, "plans[")
	if !ok {
		return 0, nil
	}
	num, field, ok := strings.Cut(rest, "].")
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, err
	}
	*i, *sub = n, field
	return 2, nil
}
