package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type output struct {
	Files []fileResult `json:"files"`
}

// parseAll writes each source to a file, runs the command on them and decodes its output.
func parseAll(t *testing.T, sources ...string) (int, []fileResult) {
	t.Helper()
	dir := t.TempDir()
	var args []string
	for i, source := range sources {
		path := filepath.Join(dir, "config"+string(rune('a'+i))+".alloy")
		if err := os.WriteFile(path, []byte(source), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	var out output
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("exit %d, output is not JSON: %v\n%s%s", code, err, stdout.String(), stderr.String())
	}
	return code, out.Files
}

func parseOne(t *testing.T, source string) fileResult {
	t.Helper()
	code, files := parseAll(t, source)
	if code != 0 || files[0].Error != "" {
		t.Fatalf("exit %d: %s", code, files[0].Error)
	}
	return files[0]
}

const pipeline = `// A comment.
loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pods.output
  forward_to = [loki.write.default.receiver]
  clustering {
    enabled = true
  }
}

loki.write "default" {
  endpoint {
    url       = "http://loki/push?a=\"b\"\\c"
    tenant_id = env("TENANT")
  }
}

logging {
  level = "info"
}
`

func TestBlocksLabelsAndNesting(t *testing.T) {
	file := parseOne(t, pipeline)
	if len(file.Attributes) != 0 || len(file.Blocks) != 3 {
		t.Fatalf("top level: %d attributes, %d blocks", len(file.Attributes), len(file.Blocks))
	}
	source, write, logging := file.Blocks[0], file.Blocks[1], file.Blocks[2]
	if source.Name != "loki.source.kubernetes" || source.Label == nil || *source.Label != "pods" || source.Line != 2 {
		t.Fatalf("first block: %+v", source)
	}
	if logging.Name != "logging" || logging.Label != nil {
		t.Fatalf("an unlabelled block: %+v", logging)
	}
	if clustering := source.Blocks[0]; clustering.Name != "clustering" || clustering.Attributes[0].Value.Value != true {
		t.Fatalf("nested block: %+v", clustering)
	}
	if endpoint := write.Blocks[0]; endpoint.Attributes[0].Value.Value != `http://loki/push?a="b"\c` {
		t.Fatalf("string not unescaped by the evaluator: %+v", endpoint.Attributes[0].Value)
	}
}

func TestReferencesAreDottedPathsAndFunctionNamesAreNot(t *testing.T) {
	file := parseOne(t, pipeline)
	source := file.Blocks[0]
	targets, forward := source.Attributes[0].Value, source.Attributes[1].Value
	if targets.Kind != "expression" || !reflect.DeepEqual(targets.References, [][]string{{"discovery", "relabel", "pods", "output"}}) {
		t.Fatalf("targets: %+v", targets)
	}
	if forward.Source != "[loki.write.default.receiver]" || !reflect.DeepEqual(forward.References, [][]string{{"loki", "write", "default", "receiver"}}) {
		t.Fatalf("forward_to: %+v", forward)
	}
	if tenant := file.Blocks[1].Blocks[0].Attributes[1].Value; tenant.Kind != "expression" || len(tenant.References) != 0 {
		t.Fatalf("a call of env() is computed and names no component: %+v", tenant)
	}
	mixed := parseOne(t, `x = [a.b[0].c, f(g.h), {k = v.w}, -(n.m) + 1]`).Attributes[0].Value
	want := [][]string{{"a", "b"}, {"g", "h"}, {"v", "w"}, {"n", "m"}}
	if !reflect.DeepEqual(mixed.References, want) {
		t.Fatalf("references %v, want %v", mixed.References, want)
	}
}

func TestConstantsAreEvaluatedByAlloy(t *testing.T) {
	file := parseOne(t, "a = 1.5\nb = null\nc = `raw\\n`\nd = {\"a b\" = 1, c = [true, 2 * 3]}\n")
	got := map[string]any{}
	for _, a := range file.Attributes {
		if a.Value.Kind != "constant" {
			t.Fatalf("%s is not a constant: %+v", a.Name, a.Value)
		}
		got[a.Name] = a.Value.Value
	}
	want := map[string]any{"a": 1.5, "b": nil, "c": `raw\n`, "d": map[string]any{"a b": float64(1), "c": []any{true, float64(6)}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

func TestTopLevelAttributesParse(t *testing.T) {
	// The parser accepts them; Alloy's runtime refuses them later. Reporting them lets a caller refuse them too.
	file := parseOne(t, "top = 1\n")
	if len(file.Attributes) != 1 || file.Attributes[0].Name != "top" {
		t.Fatalf("%+v", file)
	}
}

func TestRefusalsCarryAlloysOwnMessages(t *testing.T) {
	cases := map[string]string{
		"loki.write \"x\" {\n  endpoint {\n    url = \"http://a\"\n  }\n": ":5:1: expected }, got EOF",
		`loki.write "x" { url = "unterminated }`:                          ":1:24: string literal not terminated (and 1 more diagnostics)",
		"a.b = 1\n":                                                       `attribute names may only consist of a single identifier with no "."`,
		"x = \"a\" + 1\n":                                                 "should be string, got number",
		"b {\n  x = 1\n  x = 2\n}\n":                                      `:3:3: attribute "x" may only be provided once`,
	}
	for source, want := range cases {
		code, files := parseAll(t, source)
		if code != 1 || !strings.Contains(files[0].Error, want) || len(files[0].Diagnostics) == 0 || len(files[0].Blocks) != 0 {
			t.Errorf("%q: exit %d, %+v; want exit 1 and an error containing %q", source, code, files[0], want)
		}
	}
}

func TestEveryFileGetsItsOwnResult(t *testing.T) {
	code, files := parseAll(t, "a {}\n", "a {\n", "b \"x\" {}\n")
	if code != 1 || len(files) != 3 || files[0].Error != "" || files[1].Error == "" || files[2].Error != "" {
		t.Fatalf("exit %d, %+v", code, files)
	}
	if !strings.HasSuffix(files[1].File, "configb.alloy") || !strings.Contains(files[1].Error, "configb.alloy:2:1") {
		t.Fatalf("the error names the file and position: %q", files[1].Error)
	}
}

func TestStdinAndUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-"}, strings.NewReader(`b "x" {}`), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), `"label": "x"`) {
		t.Fatalf("stdin: exit %d, %s %s", code, stdout.String(), stderr.String())
	}
	if code := run(nil, strings.NewReader(""), &stdout, &stderr); code != 2 {
		t.Fatalf("no arguments: exit %d, want 2", code)
	}
	if code := run([]string{filepath.Join(t.TempDir(), "missing.alloy")}, strings.NewReader(""), &stdout, &stderr); code != 2 {
		t.Fatalf("missing file: exit %d, want 2", code)
	}
}
