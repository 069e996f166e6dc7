package signing

import "strconv"

// fieldIndex formats "list[i].field".
func fieldIndex(list string, i int, field string) string {
	return list + "[" + strconv.Itoa(i) + "]." + field
}
