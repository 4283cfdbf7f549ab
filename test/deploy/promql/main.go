// promql-check parses PromQL expressions with Prometheus's own parser, for the chart's tests: it
// reads a JSON array of expressions on stdin and prints a JSON array with one entry per
// expression, "" when it parses and the parser's error otherwise.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/prometheus/prometheus/promql/parser"
)

func main() {
	var exprs []string
	if err := json.NewDecoder(os.Stdin).Decode(&exprs); err != nil {
		fmt.Fprintln(os.Stderr, "promql-check: stdin must be a JSON array of strings:", err)
		os.Exit(2)
	}
	p := parser.NewParser(parser.Options{})
	errs := make([]string, len(exprs))
	for i, expr := range exprs {
		if _, err := p.ParseExpr(expr); err != nil {
			errs[i] = err.Error()
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(errs); err != nil {
		os.Exit(2)
	}
}
