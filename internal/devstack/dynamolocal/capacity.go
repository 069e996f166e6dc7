package dynamolocal

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB Local's ConsumedCapacity does not count what on-demand billing
// charges (it does not double transactional writes, nor count index
// entries), so the tests' and the benchmark's meters compute write units
// from the items themselves.

// WriteUnits are the on-demand write request units of one item write:
// factor (2 in a transaction) per KB of the larger of the item before and
// after, plus the index entries of index (the GSI's key attributes):
// written when the item is in the index after, deleted when it was before,
// both when its index key changed.
func WriteUnits(before, after map[string]types.AttributeValue, index []string, factor float64) float64 {
	size := max(ItemSize(before), ItemSize(after))
	units := factor * math.Max(1, math.Ceil(float64(size)/1024))
	inBefore, inAfter := indexed(before, index), indexed(after, index)
	switch {
	case inBefore && inAfter && !sameKeys(before, after, index):
		units += kb(before) + kb(after)
	case inAfter:
		units += kb(after)
	case inBefore:
		units += kb(before)
	}
	return units
}

func kb(item map[string]types.AttributeValue) float64 {
	return math.Max(1, math.Ceil(float64(ItemSize(item))/1024))
}

func indexed(item map[string]types.AttributeValue, index []string) bool {
	if len(item) == 0 || len(index) == 0 {
		return false
	}
	for _, a := range index {
		if _, ok := item[a]; !ok {
			return false
		}
	}
	return true
}

func sameKeys(a, b map[string]types.AttributeValue, attrs []string) bool {
	for _, k := range attrs {
		x, ok1 := a[k].(*types.AttributeValueMemberS)
		y, ok2 := b[k].(*types.AttributeValueMemberS)
		if !ok1 || !ok2 || x.Value != y.Value {
			return false
		}
	}
	return true
}

// ItemSize is an item's size as DynamoDB counts it: attribute names plus values.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += utf8.RuneCountInString(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

// numberSize approximates a number's size: one byte per two significant digits, plus one.
func numberSize(s string) int {
	digits := strings.Trim(strings.TrimLeft(strings.TrimLeft(s, "-"), "0."), ".")
	digits = strings.ReplaceAll(digits, ".", "")
	return (len(digits)+1)/2 + 1
}
