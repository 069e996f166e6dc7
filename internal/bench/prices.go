package bench

// PriceTable is the list-price table the report prices tasks with.
type PriceTable struct {
	Region, AsOf, Note string
	// StepFunctionsPer1kTransitions is Standard workflows' price per 1,000 state transitions.
	StepFunctionsPer1kTransitions float64
	// LambdaPerMillionRequests and LambdaPerGBSecond (arm64) are Lambda's.
	LambdaPerMillionRequests, LambdaPerGBSecond float64
	// DynamoPerMillionWRU and DynamoPerMillionRRU are on-demand request units.
	DynamoPerMillionWRU, DynamoPerMillionRRU float64
	// SQSPerMillionRequests is standard queues' price (each 64 KB chunk a request).
	SQSPerMillionRequests float64
	// EventBridgePerMillionEvents is custom events' price (each 64 KB chunk an event).
	EventBridgePerMillionEvents float64
}

// ListPrices are AWS's public list prices for us-east-1 as the authors
// know them; nothing is fetched. Free tiers, data transfer, CloudWatch
// Logs and X-Ray are left out.
var ListPrices = PriceTable{
	Region:                        "us-east-1",
	AsOf:                          "2025-01 (DynamoDB on-demand after the 2024-11-01 price cut)",
	Note:                          "list prices as of 2025-01, verify before relying; free tiers, data transfer, CloudWatch Logs, X-Ray and Secrets Manager calls at cold start are not included",
	StepFunctionsPer1kTransitions: 0.025,
	LambdaPerMillionRequests:      0.20,
	LambdaPerGBSecond:             0.0000133334,
	DynamoPerMillionWRU:           0.625,
	DynamoPerMillionRRU:           0.125,
	SQSPerMillionRequests:         0.40,
	EventBridgePerMillionEvents:   1.00,
}

// Price is a task's price by service, in USD.
type Price struct {
	StepFunctions, LambdaRequests, LambdaDuration, DynamoDB, SQS, EventBridge float64
}

// Total adds the services up.
func (p Price) Total() float64 {
	return p.StepFunctions + p.LambdaRequests + p.LambdaDuration + p.DynamoDB + p.SQS + p.EventBridge
}

// Of prices a task's counts.
func (t PriceTable) Of(c TaskCost) Price {
	return Price{
		StepFunctions:  float64(c.Transitions) / 1000 * t.StepFunctionsPer1kTransitions,
		LambdaRequests: float64(c.InvocationsTotal) / 1e6 * t.LambdaPerMillionRequests,
		LambdaDuration: c.LambdaGBSeconds * t.LambdaPerGBSecond,
		DynamoDB:       c.WRU/1e6*t.DynamoPerMillionWRU + c.RRU/1e6*t.DynamoPerMillionRRU,
		SQS:            float64(c.SQSRequests) / 1e6 * t.SQSPerMillionRequests,
		EventBridge:    float64(c.Events) / 1e6 * t.EventBridgePerMillionEvents,
	}
}
