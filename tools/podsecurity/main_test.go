package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const namespaces = `
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
  labels:
    pod-security.kubernetes.io/enforce: baseline
---
apiVersion: v1
kind: Namespace
metadata:
  name: secure
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: v1.34
---
apiVersion: v1
kind: Namespace
metadata:
  name: nodes
  labels:
    pod-security.kubernetes.io/enforce: privileged
---
# only a comment: an empty document
---
- a list, not an object
`

const workloads = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: privileged-app
spec:
  selector: {matchLabels: {app: p}}
  template:
    metadata: {labels: {app: p}}
    spec:
      containers:
      - name: app
        image: busybox
        securityContext:
          privileged: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hardened
  namespace: secure
spec:
  selector: {matchLabels: {app: h}}
  template:
    metadata: {labels: {app: h}}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: app
        image: busybox
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
  namespace: secure
  annotations:
    helm.sh/hook: pre-install
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: backup
            image: busybox
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
  namespace: nodes
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: agent
        image: busybox
        volumeMounts: [{name: logs, mountPath: /var/log}]
      volumes:
      - name: logs
        hostPath: {path: /var/log}
---
apiVersion: v1
kind: Pod
metadata:
  name: stray
  namespace: elsewhere
spec:
  containers:
  - name: app
    image: busybox
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ignored
`

type output struct {
	Results []result `json:"results"`
}

func runTool(t *testing.T, stdin string, args ...string) (output, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	var out output
	if code == 0 {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
		}
	}
	return out, stderr.String(), code
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func find(t *testing.T, out output, kind, name string) result {
	t.Helper()
	for _, r := range out.Results {
		if r.Kind == kind && r.Name == name {
			return r
		}
	}
	t.Fatalf("no result for %s %s in %+v", kind, name, out.Results)
	return result{}
}

func eval(t *testing.T, r result, level, version string) evaluation {
	t.Helper()
	for _, e := range r.Evaluations {
		if e.Level == level && e.Version == version {
			return e
		}
	}
	t.Fatalf("%s %s: no evaluation %s:%s in %+v", r.Kind, r.Name, level, version, r.Evaluations)
	return evaluation{}
}

func judgeFixtures(t *testing.T) output {
	t.Helper()
	nsFile := writeFile(t, "namespaces.yaml", namespaces)
	out, stderr, code := runTool(t, workloads, "--default-namespace", "monitoring", nsFile, "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	return out
}

func TestPrivilegedDeploymentRefusedInBaselineNamespace(t *testing.T) {
	r := find(t, judgeFixtures(t), "Deployment", "privileged-app")
	if r.Namespace != "monitoring" || !r.NamespaceKnown || r.Enforce == nil || *r.Enforce != (levelVersion{"baseline", "latest"}) {
		t.Fatalf("namespace/enforce wrong: %+v", r)
	}
	if r.EnforceAllowed == nil || *r.EnforceAllowed {
		t.Fatalf("privileged Deployment should be refused at baseline: %+v", r)
	}
	e := eval(t, r, "baseline", "v1.34")
	if e.Allowed || len(e.Forbidden) == 0 || !strings.Contains(e.Forbidden[0].Reason, "privileged") {
		t.Fatalf("want forbidden reason mentioning privileged, got %+v", e)
	}
}

func TestRestrictedDeploymentPassesRestricted(t *testing.T) {
	r := find(t, judgeFixtures(t), "Deployment", "hardened")
	if r.EnforceAllowed == nil || !*r.EnforceAllowed || *r.Enforce != (levelVersion{"restricted", "v1.34"}) {
		t.Fatalf("hardened Deployment should pass restricted:v1.34: %+v", r)
	}
	for _, v := range []string{"v1.34", "latest"} {
		if e := eval(t, r, "restricted", v); !e.Allowed || len(e.Forbidden) != 0 {
			t.Fatalf("restricted %s: %+v", v, e)
		}
	}
}

func TestCronJobPodTemplateFound(t *testing.T) {
	r := find(t, judgeFixtures(t), "CronJob", "backup")
	if r.Hook != "pre-install" || r.Namespace != "secure" {
		t.Fatalf("hook/namespace wrong: %+v", r)
	}
	// The bare pod template violates restricted, which proves it was read.
	e := eval(t, r, "restricted", "v1.34")
	if e.Allowed || r.EnforceAllowed == nil || *r.EnforceAllowed {
		t.Fatalf("CronJob template should fail restricted: %+v", r)
	}
	reasons := ""
	for _, f := range e.Forbidden {
		reasons += f.Reason + "|" + f.Detail + ";"
	}
	if !strings.Contains(reasons, `container "backup"`) {
		t.Fatalf("details should name the template's container: %s", reasons)
	}
}

func TestHostPathDaemonSet(t *testing.T) {
	r := find(t, judgeFixtures(t), "DaemonSet", "node-agent")
	if r.EnforceAllowed == nil || !*r.EnforceAllowed || r.Enforce.Level != "privileged" {
		t.Fatalf("hostPath DaemonSet should pass in a privileged namespace: %+v", r)
	}
	e := eval(t, r, "baseline", "latest")
	if e.Allowed || len(e.Forbidden) != 1 || e.Forbidden[0].Reason != "hostPath volumes" {
		t.Fatalf("hostPath DaemonSet should fail baseline on hostPath volumes: %+v", e)
	}
}

func TestUnknownNamespaceAndOrdering(t *testing.T) {
	out := judgeFixtures(t)
	r := find(t, out, "Pod", "stray")
	if r.NamespaceKnown || r.Enforce != nil || r.EnforceAllowed != nil || len(r.Evaluations) != 4 {
		t.Fatalf("unknown namespace should be reported without a verdict: %+v", r)
	}
	var got []string
	for _, r := range out.Results {
		got = append(got, r.Namespace+"/"+r.Kind+"/"+r.Name)
	}
	want := "elsewhere/Pod/stray monitoring/Deployment/privileged-app nodes/DaemonSet/node-agent secure/CronJob/backup secure/Deployment/hardened"
	if strings.Join(got, " ") != want {
		t.Fatalf("order:\n got %v\nwant %s", got, want)
	}
}

func TestUnreadableInput(t *testing.T) {
	if _, stderr, code := runTool(t, "", filepath.Join(t.TempDir(), "missing.yaml")); code != 2 || stderr == "" {
		t.Fatalf("missing file: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := runTool(t, "kind: [unclosed", "-"); code != 2 || stderr == "" {
		t.Fatalf("bad YAML: exit %d, stderr %q", code, stderr)
	}
	if _, _, code := runTool(t, "", "--versions", "1.34", "-"); code != 2 {
		t.Fatalf("bad version: exit %d", code)
	}
}
