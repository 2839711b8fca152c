package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	tmpltext "text/template"

	"github.com/prometheus/alertmanager/template"
)

func runTool(t *testing.T, stdin string, args ...string) (response, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	var out response
	if code == 0 {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
		}
	}
	return out, stderr.String(), code
}

func readOne(t *testing.T, text string) reading {
	t.Helper()
	input, _ := json.Marshal([]notificationTemplate{{Name: "probe", Text: text}})
	out, stderr, code := runTool(t, string(input))
	if code != 0 || len(out.Templates) != 1 {
		t.Fatalf("exit %d, %d readings: %s", code, len(out.Templates), stderr)
	}
	return out.Templates[0]
}

// goError is what Go's text/template itself says about text, with the same functions known.
func goError(t *testing.T, text string) string {
	t.Helper()
	_, err := tmpltext.New("").Funcs(tmpltext.FuncMap(template.DefaultFuncs)).Parse(text)
	if err == nil {
		t.Fatalf("text/template accepted %q", text)
	}
	return err.Error()
}

func TestMalformedTemplatesRefusedWithGoMessage(t *testing.T) {
	for _, text := range []string{
		`{{ define "x.title" }}{{ if .Status }}firing`, // the if and the define never close
		`{{ define "x" }}{{ end }}{{ end }}`,           // an end with nothing open
		`{{ .Status | toUpper) }}`,                     // a parenthesis that closes nothing
		`{{ define x }}{{ end }}`,                      // a define needs a quoted name
	} {
		got := readOne(t, text)
		if want := goError(t, text); got.Error != want {
			t.Errorf("%q: error %q, Go says %q", text, got.Error, want)
		}
		if len(got.Defined) != 0 || len(got.Called) != 0 {
			t.Errorf("%q: a refused template still reports names: %+v", text, got)
		}
	}
}

func TestUnknownFunctionRefused(t *testing.T) {
	// humanize belongs to Grafana's alert rule (annotation) templates, not to notification templates.
	got := readOne(t, `{{ define "x" }}{{ humanize 1234.5 }}{{ end }}`)
	if got.Error != `template: :1: function "humanize" not defined` {
		t.Fatalf("error %q", got.Error)
	}
}

func TestAlertmanagerAndGrafanaFunctionsAccepted(t *testing.T) {
	text := `{{ define "x" }}{{ .Status | toUpper }} {{ humanizeDuration 90 }} {{ reReplaceAll "a" "b" "c" }}` +
		`{{ coll.Dict "a" 1 }}{{ data.ToJSON . }}{{ tmpl.Exec "y" . }}{{ time.Now }}{{ end }}`
	if got := readOne(t, text); got.Error != "" || !slices.Equal(got.Defined, []string{"x"}) {
		t.Fatalf("Alertmanager's or Grafana's functions refused: %+v", got)
	}
}

func TestDefinedCalledAndTopLevelText(t *testing.T) {
	got := readOne(t, `before {{ define "a" }}{{ if .X }}{{ template "b" . }}{{ else if .Y }}{{ template "c" . }}{{ end }}{{ end }}
{{ define "b" }}{{ range .Alerts }}{{ with .Labels }}{{ template "d" . }}{{ end }}{{ end }}{{ end }}
{{- block "e" . }}inline{{ end }} after {{ .Status }} end`)
	if got.Error != "" {
		t.Fatal(got.Error)
	}
	if want := []string{"a", "b", "e"}; !slices.Equal(got.Defined, want) {
		t.Errorf("defined %v, want %v", got.Defined, want)
	}
	// block both defines "e" and calls it in place.
	if want := []string{"b", "c", "d", "e"}; !slices.Equal(got.Called, want) {
		t.Errorf("called %v, want %v", got.Called, want)
	}
	if want := []string{"before ", "\n", " after ", " end"}; !slices.Equal(got.TopLevelText, want) {
		t.Errorf("top-level text %q, want %q", got.TopLevelText, want)
	}
}

const titleTemplate = `{{ define "x.title" }}[{{ .Status | toUpper }}:{{ .Alerts.Firing | len }}] {{ .CommonLabels.alertname }}{{ .CommonLabels.missing }}{{ end }}`

func execute(t *testing.T, templates []notificationTemplate, texts ...string) []executionResult {
	t.Helper()
	data := notificationData{Status: "firing", CommonLabels: template.KV{"alertname": "Down"},
		Alerts: alerts{{Status: "firing"}, {Status: "resolved"}, {Status: "firing"}}}
	in := request{Templates: templates}
	for _, text := range texts {
		in.Executions = append(in.Executions, execution{Text: text, Data: data})
	}
	input, _ := json.Marshal(in)
	out, stderr, code := runTool(t, string(input))
	if code != 0 || len(out.Executions) != len(texts) {
		t.Fatalf("exit %d, %d executions: %s", code, len(out.Executions), stderr)
	}
	return out.Executions
}

func TestFieldsExecuteAgainstTheTemplateSet(t *testing.T) {
	got := execute(t, []notificationTemplate{{Name: "x", Text: titleTemplate}},
		`{{ template "x.title" . }}`, `{{ template "x.missing" . }}`, `{{ coll.Dict "a" 1 }}`)
	// A missing label prints nothing (Alertmanager's missingkey=zero), not "<no value>".
	if got[0].Error != "" || got[0].Output != "[FIRING:2] Down" {
		t.Errorf("title: %+v", got[0])
	}
	if !strings.Contains(got[1].Error, `template "x.missing" not defined`) {
		t.Errorf("a call to an undefined template: %+v", got[1])
	}
	if !strings.Contains(got[2].Error, "stubbed here by name only") {
		t.Errorf("a stubbed Grafana function must not produce output: %+v", got[2])
	}
}

func TestOneBrokenTemplateFailsEveryField(t *testing.T) {
	got := execute(t, []notificationTemplate{{Name: "x", Text: titleTemplate}, {Name: "broken", Text: `{{ define "y" }}`}},
		`{{ template "x.title" . }}`)
	if got[0].Output != "" || !strings.Contains(got[0].Error, `template "broken": template: :1: unexpected EOF`) {
		t.Errorf("%+v", got[0])
	}
}

func TestFilesAndBadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "templates.json")
	if err := os.WriteFile(path, []byte(`[{"name": "f", "text": "{{ define \"f\" }}{{ end }}"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runTool(t, `{"templates": [{"name": "s", "text": "plain"}]}`, path, "-")
	if code != 0 || len(out.Templates) != 2 || out.Templates[0].Defined[0] != "f" || out.Templates[1].TopLevelText[0] != "plain" {
		t.Fatalf("exit %d %s: %+v", code, stderr, out)
	}
	for input, why := range map[string]string{
		`[{"name": "a", "txt": "x"}]`:                                  "a misspelt field",
		`{"executions": [{"text": "x", "data": {"comonLabels": {}}}]}`: "a misspelt data field",
		`[{"name": `: "truncated JSON",
	} {
		if _, stderr, code := runTool(t, input); code != 2 || stderr == "" {
			t.Errorf("%s: exit %d, stderr %q", why, code, stderr)
		}
	}
	if _, _, code := runTool(t, "", filepath.Join(t.TempDir(), "missing.json")); code != 2 {
		t.Errorf("missing file: exit %d", code)
	}
}
