package dynamolocal

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/samtemplate"
)

// CreateTableInput converts a table of the template to the CreateTable call
// that makes the same table under name: keys, attribute definitions,
// indexes and billing mode. (Point-in-time recovery and encryption are
// account settings DynamoDB Local ignores; the template keeps them on.)
func CreateTableInput(tbl samtemplate.Table, name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingMode(tbl.BillingMode),
		KeySchema:   keySchema(tbl.KeySchema),
	}
	for _, d := range tbl.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(d.Name), AttributeType: types.ScalarAttributeType(d.Type),
		})
	}
	for _, idx := range tbl.GlobalIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(idx.Name), KeySchema: keySchema(idx.KeySchema), Projection: projection(idx),
		})
	}
	for _, idx := range tbl.LocalIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName: aws.String(idx.Name), KeySchema: keySchema(idx.KeySchema), Projection: projection(idx),
		})
	}
	if in.BillingMode == types.BillingModeProvisioned {
		// The template may compute capacities; a local table gets small fixed ones.
		tp := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
		in.ProvisionedThroughput = tp
		for i := range in.GlobalSecondaryIndexes {
			in.GlobalSecondaryIndexes[i].ProvisionedThroughput = tp
		}
	}
	if tbl.StreamViewType != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(tbl.StreamViewType)}
	}
	return in
}

func keySchema(ks []samtemplate.KeyElement) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = types.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: types.KeyType(k.KeyType)}
	}
	return out
}

func projection(idx samtemplate.Index) *types.Projection {
	p := &types.Projection{ProjectionType: types.ProjectionType(idx.ProjectionType)}
	if len(idx.NonKeyAttributes) > 0 {
		p.NonKeyAttributes = idx.NonKeyAttributes
	}
	return p
}

// CreateTable creates the table and waits until it is active.
func CreateTable(ctx context.Context, client *dynamodb.Client, in *dynamodb.CreateTableInput) error {
	out, err := client.CreateTable(ctx, in)
	if err != nil {
		return fmt.Errorf("dynamolocal: create table %s: %w", aws.ToString(in.TableName), err)
	}
	if out.TableDescription != nil && out.TableDescription.TableStatus == types.TableStatusActive {
		return nil
	}
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 20 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, time.Minute); err != nil {
		return fmt.Errorf("dynamolocal: wait for table %s: %w", aws.ToString(in.TableName), err)
	}
	return nil
}
