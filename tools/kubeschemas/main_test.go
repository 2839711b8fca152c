package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const version = "v1.34.3"

var (
	genOnce sync.Once
	genDir  string
	genErr  error
)

// schemas generates the schemas for version (and the CRD fixture) once per
// test run and returns the output directory.
func schemas(t *testing.T) string {
	t.Helper()
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "kubeschemas-test-")
		if genErr != nil {
			return
		}
		start := time.Now()
		var k8s, crd int
		k8s, crd, genErr = generate(version, genDir, []string{"testdata/widgets-crd.yaml"})
		t.Logf("generated %d Kubernetes and %d CRD schemas for %s in %s", k8s, crd, version, time.Since(start))
		if genErr == nil && crd != 1 {
			genErr = fmt.Errorf("want 1 CRD schema (the served v1 only), got %d", crd)
		}
	})
	if genErr != nil {
		t.Fatal(genErr)
	}
	return genDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if genDir != "" {
		os.RemoveAll(genDir)
	}
	os.Exit(code)
}

func kubeconformBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("kubeconform"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "kubeconform")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("kubeconform not found on PATH or in $(go env GOPATH)/bin; install it with: " +
		"go install github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0")
	return ""
}

// kubeconform validates manifest with the command line the README documents.
func kubeconform(t *testing.T, manifest string) (string, bool) {
	t.Helper()
	dir := schemas(t)
	file := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(file, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubeconformBinary(t), "-strict", "-summary",
		"-kubernetes-version", strings.TrimPrefix(version, "v"),
		"-schema-location", dir+"/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json",
		"-schema-location", dir+"/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
		file)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func expectValid(t *testing.T, manifest string) {
	t.Helper()
	out, ok := kubeconform(t, manifest)
	if !ok || !strings.Contains(out, "Valid: 1, Invalid: 0, Errors: 0, Skipped: 0") {
		t.Fatalf("want valid, kubeconform said:\n%s", out)
	}
}

func expectInvalid(t *testing.T, manifest, message string) {
	t.Helper()
	out, ok := kubeconform(t, manifest)
	if ok || !strings.Contains(out, "Invalid: 1") || !strings.Contains(out, message) {
		t.Fatalf("want invalid with %q, kubeconform said:\n%s", message, out)
	}
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - {name: http, containerPort: 8080}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 1, memory: 128Mi}
          readinessProbe:
            httpGet: {path: /, port: http}
`

func TestDeploymentValid(t *testing.T) { expectValid(t, deployment) }

func TestDeploymentUnknownFieldRejected(t *testing.T) {
	bad := strings.Replace(deployment, "  replicas: 2\n", "  replicas: 2\n  replicass: 2\n", 1)
	expectInvalid(t, bad, "additional properties 'replicass' not allowed")
}

func TestDeploymentNestedUnknownFieldRejected(t *testing.T) {
	// Deep inside inlined $refs: PodTemplateSpec -> PodSpec -> Container.
	bad := strings.Replace(deployment, "          image: nginx:1.27\n", "          image: nginx:1.27\n          imagee: x\n", 1)
	expectInvalid(t, bad, "additional properties 'imagee' not allowed")
}

func service(targetPort string) string {
	return `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: ` + targetPort + `}
`
}

func TestServiceTargetPortString(t *testing.T) { expectValid(t, service("http")) }
func TestServiceTargetPortNumber(t *testing.T) { expectValid(t, service("8080")) }

func TestNetworkPolicyValid(t *testing.T) {
	expectValid(t, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web}
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: monitoring}
      ports:
        - {protocol: TCP, port: http}
        - {protocol: TCP, port: 8080}
  egress:
    - to:
        - ipBlock: {cidr: 10.0.0.0/8}
`)
}

func TestCustomResourceDefinitionValid(t *testing.T) {
	// CRDs are themselves manifests; JSONSchemaProps recursion is left open.
	data, err := os.ReadFile("testdata/widgets-crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	expectValid(t, string(data[strings.Index(string(data), "apiVersion: apiextensions"):]))
}

const widget = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  labels: {app: web}
spec:
  size: 3
  port: http
  note: null
  config:
    anything: {goes: [1, two]}
`

func TestCustomResourceValid(t *testing.T) { expectValid(t, widget) }

func TestCustomResourcePortNumber(t *testing.T) {
	expectValid(t, strings.Replace(widget, "port: http", "port: 8080", 1))
}

func TestCustomResourceUnknownFieldRejected(t *testing.T) {
	expectInvalid(t, strings.Replace(widget, "size: 3", "size: 3\n  sizee: 3", 1),
		"additional properties 'sizee' not allowed")
}

func TestCustomResourceUnknownMetadataFieldRejected(t *testing.T) {
	expectInvalid(t, strings.Replace(widget, "  name: w\n", "  name: w\n  label: x\n", 1),
		"additional properties 'label' not allowed")
}

func TestUnservedVersionNotWritten(t *testing.T) {
	dir := schemas(t)
	if _, err := os.Stat(filepath.Join(dir, "crds/example.com/widget_v1alpha1.json")); !os.IsNotExist(err) {
		t.Fatalf("served: false version was written (err=%v)", err)
	}
}

func TestKindSuffixMatchesKubeconform(t *testing.T) {
	for apiVersion, want := range map[string]string{
		"v1":                           "-v1",
		"apps/v1":                      "-apps-v1",
		"networking.k8s.io/v1":         "-networking-v1",
		"rbac.authorization.k8s.io/v1": "-rbac-v1",
		"autoscaling/v2":               "-autoscaling-v2",
	} {
		if got := kindSuffix(apiVersion); got != want {
			t.Errorf("kindSuffix(%q) = %q, want %q", apiVersion, got, want)
		}
	}
}
