package devstack

import sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

func sfnType(t string) sfntypes.StateMachineType {
	if t == "EXPRESS" {
		return sfntypes.StateMachineTypeExpress
	}
	return sfntypes.StateMachineTypeStandard
}
