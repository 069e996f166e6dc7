package samtemplate

import "fmt"

// TypeDynamoDBTable is the CloudFormation type of a DynamoDB table.
const TypeDynamoDBTable = "AWS::DynamoDB::Table"

// Table is the typed view of an AWS::DynamoDB::Table resource: what a test
// needs to create the same table locally.
type Table struct {
	LogicalID string
	// TableName is the explicit name, if the template sets a plain string.
	TableName            string
	BillingMode          string
	AttributeDefinitions []AttributeDefinition
	KeySchema            []KeyElement
	GlobalIndexes        []Index
	LocalIndexes         []Index
	PointInTimeRecovery  bool
	SSEEnabled           bool
	// StreamViewType is set when the table has a stream.
	StreamViewType string
	// TimeToLiveAttribute is set when TTL is enabled.
	TimeToLiveAttribute string
}

// AttributeDefinition declares the type (S, N or B) of a key attribute.
type AttributeDefinition struct {
	Name string
	Type string
}

// KeyElement is one element of a key schema: HASH or RANGE.
type KeyElement struct {
	Name    string
	KeyType string
}

// Index is a global or local secondary index.
type Index struct {
	Name      string
	KeySchema []KeyElement
	// ProjectionType is ALL, KEYS_ONLY or INCLUDE.
	ProjectionType   string
	NonKeyAttributes []string
}

// Tables returns every AWS::DynamoDB::Table resource in document order.
func (t *Template) Tables() ([]Table, error) {
	var out []Table
	for _, r := range t.ResourcesOfType(TypeDynamoDBTable) {
		tbl, err := TableOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, tbl)
	}
	return out, nil
}

// Table returns the table with logical ID id.
func (t *Template) Table(id string) (Table, error) {
	r, ok := t.Resource(id)
	if !ok {
		return Table{}, fmt.Errorf("samtemplate: no resource %s", id)
	}
	return TableOf(r)
}

// TableOf reads the typed view of a table resource.
func TableOf(r Resource) (Table, error) {
	if r.Type != TypeDynamoDBTable {
		return Table{}, fmt.Errorf("samtemplate: %s is %s, not %s", r.LogicalID, r.Type, TypeDynamoDBTable)
	}
	fail := func(format string, args ...any) (Table, error) {
		return Table{}, fmt.Errorf("samtemplate: %s (line %d): %s", r.LogicalID, r.Line, fmt.Sprintf(format, args...))
	}
	tbl := Table{LogicalID: r.LogicalID}
	tbl.TableName, _ = r.String("TableName")
	tbl.BillingMode, _ = r.String("BillingMode")
	if tbl.BillingMode == "" {
		tbl.BillingMode = "PROVISIONED"
	}
	defs, _ := r.Value("AttributeDefinitions")
	list, ok := defs.([]any)
	if !ok || len(list) == 0 {
		return fail("AttributeDefinitions must be a non-empty list")
	}
	for i, d := range list {
		name, _ := path(d, "AttributeName")
		typ, _ := path(d, "AttributeType")
		n, ok1 := name.(string)
		ty, ok2 := typ.(string)
		if !ok1 || !ok2 || n == "" || (ty != "S" && ty != "N" && ty != "B") {
			return fail("AttributeDefinitions[%d] needs AttributeName and AttributeType S, N or B", i)
		}
		tbl.AttributeDefinitions = append(tbl.AttributeDefinitions, AttributeDefinition{Name: n, Type: ty})
	}
	ks, _ := r.Value("KeySchema")
	keys, err := keySchema(ks)
	if err != nil {
		return fail("KeySchema: %v", err)
	}
	tbl.KeySchema = keys
	for _, kind := range []string{"GlobalSecondaryIndexes", "LocalSecondaryIndexes"} {
		v, ok := r.Value(kind)
		if !ok {
			continue
		}
		items, ok := v.([]any)
		if !ok {
			return fail("%s must be a list", kind)
		}
		for i, it := range items {
			idx, err := index(it)
			if err != nil {
				return fail("%s[%d]: %v", kind, i, err)
			}
			if kind == "GlobalSecondaryIndexes" {
				tbl.GlobalIndexes = append(tbl.GlobalIndexes, idx)
			} else {
				tbl.LocalIndexes = append(tbl.LocalIndexes, idx)
			}
		}
	}
	tbl.PointInTimeRecovery, _ = r.Bool("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")
	tbl.SSEEnabled, _ = r.Bool("SSESpecification", "SSEEnabled")
	tbl.StreamViewType, _ = r.String("StreamSpecification", "StreamViewType")
	if on, _ := r.Bool("TimeToLiveSpecification", "Enabled"); on {
		tbl.TimeToLiveAttribute, _ = r.String("TimeToLiveSpecification", "AttributeName")
	}
	// Every key attribute must be declared, as CloudFormation requires.
	declared := map[string]bool{}
	for _, d := range tbl.AttributeDefinitions {
		declared[d.Name] = true
	}
	all := append([]KeyElement(nil), tbl.KeySchema...)
	for _, idx := range append(append([]Index(nil), tbl.GlobalIndexes...), tbl.LocalIndexes...) {
		all = append(all, idx.KeySchema...)
	}
	for _, k := range all {
		if !declared[k.Name] {
			return fail("key attribute %s is not in AttributeDefinitions", k.Name)
		}
	}
	return tbl, nil
}

func keySchema(v any) ([]KeyElement, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 || len(list) > 2 {
		return nil, fmt.Errorf("must list one HASH and at most one RANGE element")
	}
	var out []KeyElement
	for i, e := range list {
		name, _ := path(e, "AttributeName")
		typ, _ := path(e, "KeyType")
		n, ok1 := name.(string)
		kt, ok2 := typ.(string)
		if !ok1 || !ok2 || n == "" || (kt != "HASH" && kt != "RANGE") {
			return nil, fmt.Errorf("[%d] needs AttributeName and KeyType HASH or RANGE", i)
		}
		out = append(out, KeyElement{Name: n, KeyType: kt})
	}
	if out[0].KeyType != "HASH" || (len(out) == 2 && out[1].KeyType != "RANGE") {
		return nil, fmt.Errorf("must be HASH, then optionally RANGE")
	}
	return out, nil
}

func index(v any) (Index, error) {
	name, _ := path(v, "IndexName")
	n, ok := name.(string)
	if !ok || n == "" {
		return Index{}, fmt.Errorf("IndexName must be a string")
	}
	ks, _ := path(v, "KeySchema")
	keys, err := keySchema(ks)
	if err != nil {
		return Index{}, fmt.Errorf("%s KeySchema: %w", n, err)
	}
	idx := Index{Name: n, KeySchema: keys, ProjectionType: "KEYS_ONLY"}
	if pt, ok := path(v, "Projection", "ProjectionType"); ok {
		if s, ok := pt.(string); ok {
			idx.ProjectionType = s
		}
	}
	if nk, ok := path(v, "Projection", "NonKeyAttributes"); ok {
		list, _ := nk.([]any)
		for _, a := range list {
			if s, ok := a.(string); ok {
				idx.NonKeyAttributes = append(idx.NonKeyAttributes, s)
			}
		}
	}
	return idx, nil
}
