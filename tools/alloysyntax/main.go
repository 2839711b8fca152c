// Command alloysyntax parses Alloy configuration files with Alloy's own parser
// (github.com/grafana/alloy/syntax/parser) and prints each file's blocks and attributes as JSON, so that
// checks on a generated configuration read exactly the tree Alloy reads.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/grafana/alloy/syntax/ast"
	"github.com/grafana/alloy/syntax/diag"
	"github.com/grafana/alloy/syntax/parser"
	"github.com/grafana/alloy/syntax/token"
	"github.com/grafana/alloy/syntax/vm"
)

// value is an attribute's expression: a constant (evaluated by Alloy's own evaluator) or, when it names
// anything, its source text and the references it contains.
type value struct {
	// Kind is "constant" (no identifier in it) or "expression".
	Kind string `json:"kind"`
	// Value of a constant, as Alloy's evaluator computes it (strings unescaped, numbers, bools, null, lists,
	// objects); null for an expression.
	Value any `json:"value"`
	// Source is the expression's text as written.
	Source string `json:"source"`
	// References are the dotted names the expression reads, e.g. ["loki", "write", "default", "receiver"];
	// a function's name in a call is not one (its arguments may hold some).
	References [][]string `json:"references,omitempty"`
}

type attribute struct {
	Name  string `json:"name"`
	Line  int    `json:"line"`
	Value value  `json:"value"`
}

type block struct {
	// Name is dotted for components: "otelcol.exporter.otlp".
	Name string `json:"name"`
	// Label is the component label ("default" in `loki.write "default" { }`); absent when the block has none.
	Label      *string     `json:"label,omitempty"`
	Line       int         `json:"line"`
	Attributes []attribute `json:"attributes"`
	Blocks     []block     `json:"blocks"`
}

type fileResult struct {
	File string `json:"file"`
	// Error is the parser's message (its first diagnostic, file:line:column, and how many more) when the file
	// does not parse, or the evaluator's when a constant does not evaluate (`"a" + 1`).
	Error string `json:"error,omitempty"`
	// Diagnostics are all of the parser's messages.
	Diagnostics []string    `json:"diagnostics,omitempty"`
	Attributes  []attribute `json:"attributes"`
	Blocks      []block     `json:"blocks"`
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run returns 0 when every file parses, 1 when some file does not (its result has the parser's message),
// 2 for bad usage or an unreadable file.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alloysyntax", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: alloysyntax FILE|- ...") }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	results := []fileResult{}
	failed := false
	for _, path := range fs.Args() {
		var data []byte
		var err error
		if path == "-" {
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(path)
		}
		if err != nil {
			fmt.Fprintln(stderr, "alloysyntax:", err)
			return 2
		}
		result := parse(path, data)
		failed = failed || result.Error != ""
		results = append(results, result)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string][]fileResult{"files": results}); err != nil {
		fmt.Fprintln(stderr, "alloysyntax:", err)
		return 2
	}
	if failed {
		return 1
	}
	return 0
}

func parse(path string, data []byte) fileResult {
	result := fileResult{File: path, Attributes: []attribute{}, Blocks: []block{}}
	file, err := parser.ParseFile(path, data)
	if err == nil {
		r := reader{source: data}
		result.Attributes, result.Blocks, err = r.body(file.Body)
	}
	if err != nil {
		result.Error = err.Error()
		result.Attributes, result.Blocks = []attribute{}, []block{}
		var diags diag.Diagnostics
		if errors.As(err, &diags) {
			for _, d := range diags {
				result.Diagnostics = append(result.Diagnostics, d.Error())
			}
		}
	}
	return result
}

type reader struct{ source []byte }

func (r reader) body(body ast.Body) ([]attribute, []block, error) {
	attributes, blocks := []attribute{}, []block{}
	seen := map[string]bool{}
	for _, stmt := range body {
		switch stmt := stmt.(type) {
		case *ast.AttributeStmt:
			// Alloy's evaluator refuses a repeated attribute when it decodes a block into its component
			// (vm/struct_decoder.go, with this message); no component is decoded here, so the rule is applied here.
			if seen[stmt.Name.Name] {
				return nil, nil, diag.Diagnostic{
					Severity: diag.SeverityLevelError, StartPos: stmt.Name.NamePos.Position(),
					Message: fmt.Sprintf("attribute %q may only be provided once", stmt.Name.Name),
				}
			}
			seen[stmt.Name.Name] = true
			v, err := r.value(stmt.Value)
			if err != nil {
				return nil, nil, err
			}
			attributes = append(attributes, attribute{Name: stmt.Name.Name, Line: line(stmt.Name.NamePos), Value: v})
		case *ast.BlockStmt:
			b := block{Name: stmt.GetBlockName(), Line: line(stmt.NamePos)}
			if stmt.LabelPos.Valid() {
				label := stmt.Label
				b.Label = &label
			}
			var err error
			if b.Attributes, b.Blocks, err = r.body(stmt.Body); err != nil {
				return nil, nil, err
			}
			blocks = append(blocks, b)
		}
	}
	return attributes, blocks, nil
}

func (r reader) value(expr ast.Expr) (value, error) {
	source := string(r.source[ast.StartPos(expr).Offset() : ast.EndPos(expr).Offset()+1])
	refs := references(expr)
	if !namesAnything(expr) {
		var constant any
		// Without identifiers nothing is looked up: the evaluator computes the constant with an empty scope.
		if err := vm.New(expr).Evaluate(nil, &constant); err != nil {
			return value{}, err
		}
		return value{Kind: "constant", Value: constant, Source: source}, nil
	}
	return value{Kind: "expression", Source: source, References: refs}, nil
}

// namesAnything reports whether an expression contains an identifier (a reference or a function name).
func namesAnything(expr ast.Expr) bool {
	found := false
	ast.Walk(visitor(func(n ast.Node) {
		if _, ok := n.(*ast.IdentifierExpr); ok {
			found = true
		}
	}), expr)
	return found
}

type visitor func(ast.Node)

func (v visitor) Visit(n ast.Node) ast.Visitor {
	if n != nil {
		v(n)
	}
	return v
}

// references lists the dotted names an expression reads. A chain of field accesses on an identifier is one
// reference; the name of a called function is not a reference.
func references(expr ast.Expr) [][]string {
	switch e := expr.(type) {
	case *ast.IdentifierExpr:
		return [][]string{{e.Ident.Name}}
	case *ast.AccessExpr:
		if path := accessPath(e); path != nil {
			return [][]string{path}
		}
		return references(e.Value)
	case *ast.IndexExpr:
		return append(references(e.Value), references(e.Index)...)
	case *ast.CallExpr:
		var refs [][]string
		for _, arg := range e.Args {
			refs = append(refs, references(arg)...)
		}
		return refs
	case *ast.ArrayExpr:
		var refs [][]string
		for _, element := range e.Elements {
			refs = append(refs, references(element)...)
		}
		return refs
	case *ast.ObjectExpr:
		var refs [][]string
		for _, field := range e.Fields {
			refs = append(refs, references(field.Value)...)
		}
		return refs
	case *ast.UnaryExpr:
		return references(e.Value)
	case *ast.BinaryExpr:
		return append(references(e.Left), references(e.Right)...)
	case *ast.ParenExpr:
		return references(e.Inner)
	}
	return nil
}

// accessPath is ["a", "b", "c"] for a.b.c, nil when the chain does not start at an identifier.
func accessPath(expr ast.Expr) []string {
	switch e := expr.(type) {
	case *ast.IdentifierExpr:
		return []string{e.Ident.Name}
	case *ast.AccessExpr:
		if head := accessPath(e.Value); head != nil {
			return append(head, e.Name.Name)
		}
	}
	return nil
}

func line(pos token.Pos) int { return pos.Position().Line }
