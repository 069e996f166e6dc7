// Package coretest is a test helper under a deployed folder.
package coretest
