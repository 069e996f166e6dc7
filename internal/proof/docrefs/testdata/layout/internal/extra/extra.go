// Package extra is marked deployed, but nothing links it.
package extra
