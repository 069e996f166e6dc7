// Package docrefs checks that every code name a document cites still
// resolves, so a rename or a move cannot leave the README, docs/ or a
// folder's README pointing at something that is gone. It is a development
// check and holds no code outside its tests.
//
// What it checks, in the Markdown files of the repository that are ours
// (not node_modules, not testdata, except the contract examples' README):
//
//   - In inline code: `pkg.Name` and `pkg.Type.Member`, where pkg is the name
//     of a package of this module (a name of another package, an AWS API
//     name or a JSON field is not ours and passes); `Type.Member`, where Type
//     is a type declared in this module; test names (`TestX`, `FuzzX`,
//     `BenchmarkX`); paths starting with internal/, functions/, cmd/,
//     statemachine/, events/, schema/, docs/, api/, bench/ or examples/ (also
//     after ./, and ../ relative to the document); `make target`.
//   - In fenced code: the same paths and make targets.
//   - Every relative link, and its #anchor when it points at a Markdown file.
//
// It also holds the README's layout table to the module (layout_test.go):
// every Go package falls under a row, and a row says "deployed" exactly for
// the packages the Lambdas link (the import closure of functions/*, as
// go list -deps ./functions/... gives it).
//
// A member is a method, a struct field or an interface method, promoted ones
// included. The index is built with go/parser over the module's files, test
// files included, so it needs no build and no type checking.
package docrefs
