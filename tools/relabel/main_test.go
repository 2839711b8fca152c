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
	Results []fileResult `json:"results"`
}

// runOn writes each input to a file, runs the command on them and decodes its output.
func runOn(t *testing.T, inputs ...string) (int, output, string) {
	t.Helper()
	dir := t.TempDir()
	var args []string
	for i, input := range inputs {
		path := filepath.Join(dir, "input"+string(rune('a'+i))+".json")
		if err := os.WriteFile(path, []byte(input), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	var out output
	if code != 2 {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
		}
	}
	return code, out, stderr.String()
}

// relabelOne runs one valid input and returns its targets.
func relabelOne(t *testing.T, input string) []targetResult {
	t.Helper()
	code, out, stderr := runOn(t, input)
	if code != 0 || len(out.Results) != 1 || out.Results[0].Error != "" {
		t.Fatalf("exit %d, results %+v, stderr %s", code, out.Results, stderr)
	}
	return out.Results[0].Targets
}

func TestDefaultsAreThoseOfPrometheusConfig(t *testing.T) {
	// Only source_labels and target_label: action replace, separator ";", regex "(.*)", replacement "$1".
	targets := relabelOne(t, `{"rules": [{"source_labels": ["a", "b"], "target_label": "joined"}], "targets": [{"a": "x", "b": "y"}]}`)
	want := map[string]string{"a": "x", "b": "y", "joined": "x;y"}
	if !reflect.DeepEqual(targets[0].Labels, want) {
		t.Fatalf("got %v, want %v", targets[0].Labels, want)
	}
}

func TestRegexIsFullyAnchored(t *testing.T) {
	targets := relabelOne(t, `{"rules": [{"source_labels": ["a"], "regex": "foo", "target_label": "matched", "replacement": "yes"}],
		"targets": [{"a": "foobar"}, {"a": "foo"}]}`)
	if _, ok := targets[0].Labels["matched"]; ok {
		t.Fatalf("regex foo matched foobar: %v", targets[0].Labels)
	}
	if targets[1].Labels["matched"] != "yes" {
		t.Fatalf("regex foo did not match foo: %v", targets[1].Labels)
	}
}

func TestCollectorAppRuleFallsBackToTheOlderLabel(t *testing.T) {
	rule := `{"source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app"],
		"separator": ";", "regex": "^;*([^;]+).*$", "target_label": "app"}`
	targets := relabelOne(t, `{"rules": [`+rule+`], "targets": [
		{"__meta_kubernetes_pod_label_app_kubernetes_io_name": "checkout", "__meta_kubernetes_pod_label_app": "legacy"},
		{"__meta_kubernetes_pod_label_app": "legacy"},
		{"namespace": "shop"}]}`)
	for i, want := range []map[string]string{{"app": "checkout"}, {"app": "legacy"}, {"namespace": "shop"}} {
		if !reflect.DeepEqual(targets[i].PublicLabels, want) {
			t.Errorf("target %d: public labels %v, want %v", i, targets[i].PublicLabels, want)
		}
	}
}

func TestKeepAndDropRemoveTargets(t *testing.T) {
	targets := relabelOne(t, `{"rules": [
		{"source_labels": ["env"], "regex": "prod|staging", "action": "keep"},
		{"source_labels": ["team"], "regex": "test.*", "action": "drop"}],
		"targets": [{"env": "prod", "team": "shop"}, {"env": "dev"}, {"env": "staging", "team": "testing"}]}`)
	if targets[0].Dropped || !targets[1].Dropped || !targets[2].Dropped {
		t.Fatalf("dropped flags %v %v %v, want false true true", targets[0].Dropped, targets[1].Dropped, targets[2].Dropped)
	}
	if targets[1].Labels != nil {
		t.Fatalf("a dropped target has labels: %v", targets[1].Labels)
	}
}

func TestEmptyReplacementDeletesTheLabel(t *testing.T) {
	targets := relabelOne(t, `{"rules": [{"source_labels": ["a"], "regex": ".*", "target_label": "b", "replacement": ""}],
		"targets": [{"a": "x", "b": "old"}]}`)
	if _, ok := targets[0].Labels["b"]; ok {
		t.Fatalf("b survived an empty replacement: %v", targets[0].Labels)
	}
}

func TestLabelmapLabeldropAndHashmod(t *testing.T) {
	targets := relabelOne(t, `{"rules": [
		{"regex": "__meta_kubernetes_pod_label_(.+)", "action": "labelmap"},
		{"regex": "tmp_.*", "action": "labeldrop"},
		{"source_labels": ["name"], "modulus": 4, "target_label": "shard", "action": "hashmod"}],
		"targets": [{"__meta_kubernetes_pod_label_name": "checkout", "tmp_x": "1"}]}`)
	got := targets[0].PublicLabels
	if got["name"] != "checkout" || got["tmp_x"] != "" || !strings.Contains("0123", got["shard"]) || got["shard"] == "" {
		t.Fatalf("public labels %v", got)
	}
}

func TestInvalidRulesAreErrorsWithTheLibrarysMessage(t *testing.T) {
	cases := map[string]string{
		`{"rules": [{"source_labels": ["a"]}]}`:                                   "rule 1: relabel configuration for replace action requires 'target_label' value",
		`{"rules": [{"action": "nope"}]}`:                                         `unknown relabel action "nope"`,
		`{"rules": [{"regex": "(", "target_label": "x"}]}`:                        "error parsing regexp: missing closing )",
		`{"rules": [{"target_lable": "x"}]}`:                                      "field target_lable not found",
		`{"rules": [{"action": "hashmod", "target_label": "s"}]}`:                 "requires non-zero modulus",
		`{"rules": [{"action": "labeldrop", "regex": "a", "target_label": "b"}]}`: "labeldrop action requires only 'regex'",
		`{"nameValidationScheme": "latin1", "rules": []}`:                         `nameValidationScheme must be "utf8" (the default) or "legacy"`,
	}
	for input, want := range cases {
		code, out, _ := runOn(t, input)
		if code != 1 || len(out.Results) != 1 || !strings.Contains(out.Results[0].Error, want) {
			t.Errorf("%s: exit %d, results %+v; want exit 1 and an error containing %q", input, code, out.Results, want)
		}
	}
}

func TestNameValidationScheme(t *testing.T) {
	// A dotted label name is valid under UTF-8 (Prometheus 3's default) and not under the legacy scheme.
	rules := `"rules": [{"source_labels": ["a"], "target_label": "app.name"}], "targets": [{"a": "x"}]`
	if targets := relabelOne(t, `{`+rules+`}`); targets[0].Labels["app.name"] != "x" {
		t.Fatalf("utf8: %v", targets[0].Labels)
	}
	code, out, _ := runOn(t, `{"nameValidationScheme": "legacy", `+rules+`}`)
	if code != 1 || !strings.Contains(out.Results[0].Error, `"app.name" is invalid 'target_label' for replace action`) {
		t.Fatalf("legacy: exit %d, %+v", code, out.Results)
	}
}

func TestEveryFileGetsItsOwnResult(t *testing.T) {
	code, out, _ := runOn(t, `{"rules": [], "targets": [{"a": "1"}]}`, `{"rules": [{"action": "nope"}]}`, `{"targets": [{"__x": "1"}]}`)
	if code != 1 || len(out.Results) != 3 {
		t.Fatalf("exit %d, %d results", code, len(out.Results))
	}
	if out.Results[0].Error != "" || out.Results[1].Error == "" || out.Results[2].Error != "" {
		t.Fatalf("errors: %q %q %q", out.Results[0].Error, out.Results[1].Error, out.Results[2].Error)
	}
	if len(out.Results[2].Targets[0].PublicLabels) != 0 || out.Results[2].Targets[0].Labels["__x"] != "1" {
		t.Fatalf("reserved label: %+v", out.Results[2].Targets[0])
	}
}

func TestStdinAndUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-"}, strings.NewReader(`{"targets": [{"a": "1"}]}`), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), `"a": "1"`) {
		t.Fatalf("stdin: exit %d, %s %s", code, stdout.String(), stderr.String())
	}
	if code := run(nil, strings.NewReader(""), &stdout, &stderr); code != 2 {
		t.Fatalf("no arguments: exit %d, want 2", code)
	}
	if code := run([]string{filepath.Join(t.TempDir(), "missing.json")}, strings.NewReader(""), &stdout, &stderr); code != 2 {
		t.Fatalf("missing file: exit %d, want 2", code)
	}
}
