// Package orphan is in no row.
package orphan
