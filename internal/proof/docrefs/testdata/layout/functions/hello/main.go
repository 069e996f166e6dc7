// Command hello is the fixture's Lambda.
package main

import "example.com/layout/internal/core"

func main() { core.Run() }
