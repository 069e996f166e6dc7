// Package lib is linked through core, but its row says development.
package lib

// Do does.
func Do() {}
