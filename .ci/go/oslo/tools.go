//go:build tools

// Package tools pins the OpenSLO CLI (oslo) and every module it builds from (go.mod, go.sum).
// .ci/run builds it with `go build` here: the Go module proxy serves its versions but lists
// none, and `go install MODULE@VERSION` needs that list (it looks for a deprecation notice).
package tools

import _ "github.com/OpenSLO/oslo/cmd/oslo"
