// Command gotemplate parses Grafana notification templates with Go's text/template, the way Grafana does:
// through Prometheus Alertmanager's template package, with its DefaultFuncs and the names of Grafana's own
// functions. It prints, as JSON, Go's parse error or what each template defines, calls and prints outside
// its define blocks, and optionally the output of templated fields executed against sample alert data.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	tmpltext "text/template"
	"text/template/parse"
)

// notificationTemplate is one of Grafana's notification templates: a name and a group of define blocks.
type notificationTemplate struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// execution is a contact point field (e.g. `{{ template "x.title" . }}`) run as Grafana runs it.
type execution struct {
	Text string           `json:"text"`
	Data notificationData `json:"data"`
}

type request struct {
	Templates  []notificationTemplate `json:"templates"`
	Executions []execution            `json:"executions"`
}

type reading struct {
	Name string `json:"name"`
	// Error is Go's parse error, as Grafana's template validation reports it; the lists are then empty.
	Error string `json:"error,omitempty"`
	// Defined are the names of the set's templates other than the root: define and block.
	Defined []string `json:"defined"`
	// Called are the names in `{{ template "name" }}` (and block) nodes of every tree in the set.
	Called []string `json:"called"`
	// TopLevelText are the root tree's text nodes: what the template prints outside its defines.
	TopLevelText []string `json:"topLevelText"`
}

type executionResult struct {
	Text   string `json:"text"`
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
}

type response struct {
	Templates  []reading         `json:"templates"`
	Executions []executionResult `json:"executions"`
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(err error) int { fmt.Fprintln(stderr, "gotemplate:", err); return 2 }
	if slices.Contains(args, "-h") || slices.Contains(args, "--help") {
		fmt.Fprintln(stderr, "usage: gotemplate [FILE|-] ...   (JSON: [{name, text}] or {templates: [{name, text}], executions: [{text, data}]}; stdin when no FILE)")
		return 2
	}
	if len(args) == 0 {
		args = []string{"-"}
	}
	var all request
	for _, path := range args {
		in, err := readRequest(path, stdin)
		if err != nil {
			return fail(err)
		}
		all.Templates = append(all.Templates, in.Templates...)
		all.Executions = append(all.Executions, in.Executions...)
	}
	out, err := answer(all)
	if err != nil {
		return fail(err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fail(err)
	}
	return 0
}

// readRequest reads one JSON document: a bare list of templates, or an object with templates and executions.
func readRequest(path string, stdin io.Reader) (request, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return request{}, err
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return request{}, fmt.Errorf("%s: %w", path, err)
	}
	raw = bytes.TrimSpace(raw)
	decoder := json.NewDecoder(bytes.NewReader(raw))
	// A misspelt field would otherwise be dropped silently and the template run without it.
	decoder.DisallowUnknownFields()
	var in request
	if len(raw) > 0 && raw[0] == '[' {
		err = decoder.Decode(&in.Templates)
	} else {
		err = decoder.Decode(&in)
	}
	if err != nil {
		return request{}, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

func answer(in request) (response, error) {
	out := response{Templates: []reading{}, Executions: []executionResult{}}
	for _, t := range in.Templates {
		r, err := read(t)
		if err != nil {
			return response{}, err
		}
		out.Templates = append(out.Templates, r)
	}
	if len(in.Executions) == 0 {
		return out, nil
	}
	// As in grafana/alerting's fromContent: every template goes into one set, and a template that does not
	// parse fails the whole set, so no field renders.
	set, _, err := newTemplateSet()
	if err != nil {
		return response{}, err
	}
	for _, t := range in.Templates {
		if err = set.Parse(strings.NewReader(t.Text)); err != nil {
			err = fmt.Errorf("template %q: %w", t.Name, err)
			break
		}
	}
	for _, e := range in.Executions {
		result := executionResult{Text: e.Text}
		if err != nil {
			result.Error = err.Error()
		} else if output, execErr := set.ExecuteTextString(e.Text, &e.Data); execErr != nil {
			result.Error = execErr.Error()
		} else {
			result.Output = output
		}
		out.Executions = append(out.Executions, result)
	}
	return out, nil
}

// read parses one template alone, as grafana/alerting's TemplateDefinition.Validate does, and walks its trees.
func read(t notificationTemplate) (reading, error) {
	r := reading{Name: t.Name, Defined: []string{}, Called: []string{}, TopLevelText: []string{}}
	set, text, err := newTemplateSet()
	if err != nil {
		return reading{}, err
	}
	if err := set.Parse(strings.NewReader(t.Text)); err != nil {
		r.Error = err.Error()
		return r, nil
	}
	called := map[string]bool{}
	for _, each := range text.Templates() {
		if each.Name() != text.Name() {
			r.Defined = append(r.Defined, each.Name())
		}
		if each.Tree != nil {
			collectCalls(each.Tree.Root, called)
		}
	}
	slices.Sort(r.Defined)
	for name := range called {
		r.Called = append(r.Called, name)
	}
	slices.Sort(r.Called)
	r.TopLevelText = topLevelText(text)
	return r, nil
}

func topLevelText(root *tmpltext.Template) []string {
	texts := []string{}
	if root.Tree == nil {
		return texts
	}
	for _, node := range root.Tree.Root.Nodes {
		if textNode, ok := node.(*parse.TextNode); ok {
			texts = append(texts, string(textNode.Text))
		}
	}
	return texts
}

// collectCalls records the names of template nodes anywhere under node: in lists and in the branches of
// if, range and with (including their else branches, where `else if`/`else with` nest).
func collectCalls(node parse.Node, called map[string]bool) {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, child := range n.Nodes {
			collectCalls(child, called)
		}
	case *parse.TemplateNode:
		called[n.Name] = true
	case *parse.IfNode:
		collectBranch(&n.BranchNode, called)
	case *parse.RangeNode:
		collectBranch(&n.BranchNode, called)
	case *parse.WithNode:
		collectBranch(&n.BranchNode, called)
	}
}

func collectBranch(branch *parse.BranchNode, called map[string]bool) {
	collectCalls(branch.List, called)
	collectCalls(branch.ElseList, called)
}
