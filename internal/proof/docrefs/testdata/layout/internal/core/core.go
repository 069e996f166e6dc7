// Package core is linked into the Lambda, and links lib.
package core

import "example.com/layout/internal/lib"

// Run runs.
func Run() { lib.Do() }
