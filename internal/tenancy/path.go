package tenancy

import (
	"strconv"
	"strings"
)

// Paths look like "/1/7/42/": every ancestor id, root first, the account's own
// id last, slash-terminated so that "/1/7/" is never a prefix of "/1/70/".

// ChildPath is the path of a new account with the given id under parent.
func ChildPath(parentPath string, id int64) string {
	if parentPath == "" {
		parentPath = "/"
	}
	return parentPath + strconv.FormatInt(id, 10) + "/"
}

// PathIDs parses a path into its ids, root first.
func PathIDs(path string) []int64 {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	ids := make([]int64, 0, len(parts))
	for _, p := range parts {
		if p == "" {
			continue
		}
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil
		}
		ids = append(ids, id)
	}
	return ids
}

// InSubtree reports whether path lies in the subtree rooted at root (itself
// included). This string prefix test is the whole of the ancestry check.
func InSubtree(root, path string) bool {
	return root != "" && strings.HasPrefix(path, root)
}

// SubtreeRange returns [lo, hi) such that every path in the subtree of root
// sorts within it under byte order: '/'+1 is '0', so "/1/7/" ≤ p < "/1/70".
// Stores use it as an index range scan instead of LIKE, which neither
// SQLite nor PostgreSQL (non-C collations) can always serve from an index.
func SubtreeRange(root string) (lo, hi string) {
	return root, root[:len(root)-1] + "0"
}
