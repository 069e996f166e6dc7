package dynamo

// TableLogicalID is the logical ID in template.yaml of the table whose key
// layout keys.go names. (The local stack and the tests make the table from
// the template with internal/devstack/dynamolocal; the functions only use it.)
const TableLogicalID = "SigningTable"
