package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
)

func TestExperimentMany(t *testing.T) {
	many, _ := strconv.Atoi(os.Getenv("BENCH_MANY"))
	if many == 0 {
		t.Skip()
	}
	ctx := context.Background()
	e, err := StartEnv(ctx, EnvOptions{ModuleRoot: "/work/main", MaxProcesses: 20,
		World: WorldSpec{Groups: []Group{{Name: "many", Count: many, Signees: 3}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	run, err := e.runMany(ctx, e.Groups["many"], 50)
	fmt.Printf("%+v\n%v\n", run.Phases.Total, err)
	fmt.Printf("host %+v retried %v lost %d\n", run.Host, run.Phases.Retried, run.Phases.LostReceipts)
}
