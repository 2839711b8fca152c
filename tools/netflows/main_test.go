package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	denyIngress = `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
	  "metadata":{"name":"default-deny-ingress","namespace":"monitoring"},
	  "spec":{"podSelector":{},"policyTypes":["Ingress"]}}`
	allowFromNginx = `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
	  "metadata":{"name":"allow-grafana-from-ingress-nginx","namespace":"monitoring"},
	  "spec":{"podSelector":{"matchLabels":{"app.kubernetes.io/name":"grafana"}},
	    "policyTypes":["Ingress"],
	    "ingress":[{"from":[{"namespaceSelector":{"matchExpressions":[
	      {"key":"kubernetes.io/metadata.name","operator":"In","values":["ingress-nginx"]}]}}],
	      "ports":[{"protocol":"TCP","port":3000}]}]}}`
	portsOnly = `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
	  "metadata":{"name":"allow-webhook-port","namespace":"monitoring"},
	  "spec":{"podSelector":{"matchLabels":{"app":"operator"}},"policyTypes":["Ingress"],
	    "ingress":[{"ports":[{"port":10250}]}]}}`
	namedPort = `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
	  "metadata":{"name":"allow-http-by-name","namespace":"monitoring"},
	  "spec":{"podSelector":{"matchLabels":{"app":"loki"}},"policyTypes":["Ingress"],
	    "ingress":[{"from":[{"podSelector":{}}],"ports":[{"port":"http"}]}]}}`
	egressOnlyNoTypes = `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
	  "metadata":{"name":"alloy-egress","namespace":"monitoring"},
	  "spec":{"podSelector":{"matchLabels":{"app":"alloy"}},
	    "egress":[{"to":[{"ipBlock":{"cidr":"10.96.0.1/32"}}],"ports":[{"port":443}]}]}}`
)

var (
	grafana = `{"namespace":"monitoring","podLabels":{"app.kubernetes.io/name":"grafana"},"ip":"10.0.1.7"}`
	nginx   = `{"namespace":"ingress-nginx","namespaceLabels":{"kubernetes.io/metadata.name":"ingress-nginx"},"podLabels":{"app":"nginx"}}`
	tenant  = `{"namespace":"tenant-a","podLabels":{"app":"nginx"}}`
)

func q(id, from, to string, port int, extra string) string {
	b, _ := json.Marshal(id)
	return `{"id":` + string(b) + `,"from":` + from + `,"to":` + to + `,"port":` + itoa(port) + extra + `}`
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func analyze(t *testing.T, policies []string, queries ...string) map[string]result {
	t.Helper()
	doc := `{"policies":[` + strings.Join(policies, ",") + `],"queries":[` + strings.Join(queries, ",") + `]}`
	var out bytes.Buffer
	if err := run(strings.NewReader(doc), &out, io.Discard); err != nil {
		t.Fatalf("run: %v", err)
	}
	var res output
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if len(res.Results) != len(queries) {
		t.Fatalf("got %d results for %d queries", len(res.Results), len(queries))
	}
	m := map[string]result{}
	for i, r := range res.Results {
		var want query
		_ = json.Unmarshal([]byte(queries[i]), &want)
		if r.ID != want.ID {
			t.Fatalf("result %d has id %q, want %q (query order)", i, r.ID, want.ID)
		}
		m[r.ID] = r
	}
	return m
}

func expect(t *testing.T, r result, allowed bool, ingress, ingressIsolating []string) {
	t.Helper()
	if r.Allowed != allowed || !reflect.DeepEqual(r.IngressPolicies, ingress) ||
		!reflect.DeepEqual(r.IngressIsolatingPolicies, ingressIsolating) {
		t.Errorf("%s: got allowed=%v ingress=%v isolating=%v; want %v %v %v",
			r.ID, r.Allowed, r.IngressPolicies, r.IngressIsolatingPolicies, allowed, ingress, ingressIsolating)
	}
}

func TestDefaultDenyBlocksOtherNamespace(t *testing.T) {
	r := analyze(t, []string{denyIngress}, q("nginx->grafana", nginx, grafana, 3000, ""))["nginx->grafana"]
	expect(t, r, false, []string{}, []string{"monitoring/default-deny-ingress"})
	if r.IngressAllowed || !r.EgressAllowed {
		t.Errorf("want ingress denied, egress allowed (no egress policy): %+v", r)
	}
}

func TestNamespaceSelectorInAllowsOnlyThatNamespaceAndPort(t *testing.T) {
	nginxNoLabels := `{"namespace":"ingress-nginx","podLabels":{"app":"nginx"}}`
	res := analyze(t, []string{denyIngress, allowFromNginx},
		q("nginx:3000", nginx, grafana, 3000, ""),
		q("nginx:3001", nginx, grafana, 3001, ""),
		q("tenant:3000", tenant, grafana, 3000, ""),
		q("nginx-udp:3000", nginx, grafana, 3000, `,"protocol":"UDP"`),
		q("nginx-implicit-ns-label:3000", nginxNoLabels, grafana, 3000, ""))
	both := []string{"monitoring/default-deny-ingress", "monitoring/allow-grafana-from-ingress-nginx"}
	expect(t, res["nginx:3000"], true, []string{"monitoring/allow-grafana-from-ingress-nginx"}, both[:1])
	expect(t, res["nginx:3001"], false, []string{}, both)
	expect(t, res["tenant:3000"], false, []string{}, both)
	expect(t, res["nginx-udp:3000"], false, []string{}, both)
	// kubernetes.io/metadata.name is filled in from "namespace", as the API server does.
	expect(t, res["nginx-implicit-ns-label:3000"], true, []string{"monitoring/allow-grafana-from-ingress-nginx"}, both[:1])
}

func TestPortsOnlyRuleAdmitsExternalIP(t *testing.T) {
	operator := `{"namespace":"monitoring","podLabels":{"app":"operator"},"ip":"10.0.2.3"}`
	apiserver := `{"ip":"172.18.0.2"}`
	res := analyze(t, []string{denyIngress, portsOnly},
		q("apiserver->webhook", apiserver, operator, 10250, ""),
		q("apiserver->other-port", apiserver, operator, 8443, ""))
	expect(t, res["apiserver->webhook"], true, []string{"monitoring/allow-webhook-port"}, []string{"monitoring/default-deny-ingress"})
	expect(t, res["apiserver->other-port"], false, []string{},
		[]string{"monitoring/default-deny-ingress", "monitoring/allow-webhook-port"})
}

func TestNamedPortMatchesPortNameNotNumber(t *testing.T) {
	loki := `{"namespace":"monitoring","podLabels":{"app":"loki"}}`
	peer := `{"namespace":"monitoring","podLabels":{"app":"alloy"}}`
	res := analyze(t, []string{namedPort},
		q("by-name", peer, loki, 3100, `,"portName":"http"`),
		q("number-only", peer, loki, 3100, ""),
		q("other-name", peer, loki, 3100, `,"portName":"grpc"`))
	expect(t, res["by-name"], true, []string{"monitoring/allow-http-by-name"}, []string{})
	expect(t, res["number-only"], false, []string{}, []string{"monitoring/allow-http-by-name"})
	expect(t, res["other-name"], false, []string{}, []string{"monitoring/allow-http-by-name"})
}

func TestMissingPolicyTypesDefaultsLikeAPIServer(t *testing.T) {
	alloy := `{"namespace":"monitoring","podLabels":{"app":"alloy"},"ip":"10.0.3.4"}`
	res := analyze(t, []string{egressOnlyNoTypes},
		q("alloy->apiserver", alloy, `{"ip":"10.96.0.1"}`, 443, ""),
		q("alloy->elsewhere", alloy, `{"ip":"10.96.0.2"}`, 443, ""),
		q("grafana->alloy", grafana, alloy, 12345, ""))
	if r := res["alloy->apiserver"]; !r.Allowed || !reflect.DeepEqual(r.EgressPolicies, []string{"monitoring/alloy-egress"}) {
		t.Errorf("alloy->apiserver: %+v", r)
	}
	if r := res["alloy->elsewhere"]; r.Allowed || r.EgressAllowed || !r.IngressAllowed {
		t.Errorf("alloy->elsewhere: %+v", r)
	}
	// egress rules without policyTypes default to [Ingress, Egress]: ingress is isolated too.
	expect(t, res["grafana->alloy"], false, []string{}, []string{"monitoring/alloy-egress"})
}

func TestBadInputIsRejected(t *testing.T) {
	cases := map[string]struct{ doc, want string }{
		"misspelled field": {`{"policies":[` + denyIngress + `,` + strings.Replace(allowFromNginx, "podSelector", "podSelecter", 1) + `],"queries":[]}`,
			`policy 1: unknown field "spec.podSelecter"`},
		"case-insensitive match": {`{"policies":[` + strings.Replace(denyIngress, "podSelector", "PodSelector", 1) + `]}`,
			`policy 0: unknown field "spec.PodSelector"`},
		"no namespace": {`{"policies":[` + strings.Replace(denyIngress, `,"namespace":"monitoring"`, "", 1) + `]}`,
			`policy 0: metadata.name and metadata.namespace are required`},
		"bad operator": {`{"policies":[` + strings.Replace(allowFromNginx, `"In"`, `"in"`, 1) + `]}`, `policy 0: `},
		"ipBlock with selector": {`{"policies":[` + strings.Replace(egressOnlyNoTypes, `"ipBlock"`, `"podSelector":{},"ipBlock"`, 1) + `]}`,
			`policy 0: a peer may not have ipBlock together with`},
		"empty peer": {`{"policies":[` + strings.Replace(namedPort, `{"podSelector":{}}`, `{}`, 1) + `]}`,
			`policy 0: a from/to peer must set`},
		"port range": {`{"policies":[` + strings.Replace(portsOnly, `{"port":10250}`, `{"port":10250,"endPort":80}`, 1) + `]}`,
			`policy 0: invalid port range: end port < start port`},
		"duplicate": {`{"policies":[` + denyIngress + `,` + denyIngress + `]}`, `policy 1: duplicate monitoring/default-deny-ingress`},
		"repeated id": {`{"queries":[` + q("a", nginx, grafana, 1, "") + `,` + q("a", nginx, grafana, 2, "") + `]}`,
			`query 1: id "a" is empty or repeated`},
		"query field": {`{"queries":[{"id":"x","from":{"ip":"1.2.3.4"},"to":{"ip":"1.2.3.5"},"prot":80}]}`,
			`query 0 (id "x"): unknown field "prot"`},
		"external without ip": {`{"queries":[` + q("ext", `{"podLabels":{"a":"b"}}`, grafana, 80, "") + `]}`,
			`query "ext": from has no namespace`},
		"ipBlock vs pod without ip": {`{"policies":[` + egressOnlyNoTypes + `],"queries":[` +
			q("noip", `{"namespace":"monitoring","podLabels":{"app":"alloy"}}`, `{"namespace":"x"}`, 443, "") + `]}`,
			`query "noip": analyzer: unable to parse IP ''`},
	}
	for name, c := range cases {
		err := run(strings.NewReader(c.doc), &bytes.Buffer{}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want it to contain %q", name, err, c.want)
		}
	}
}

// Pins a known divergence from Kubernetes label semantics, so a cyclonus upgrade that
// changes it is noticed: NotIn does not match a pod lacking the key, and a warning says so.
func TestNotInDivergenceIsWarned(t *testing.T) {
	pol := strings.Replace(namedPort, `"from":[{"podSelector":{}}],"ports":[{"port":"http"}]`,
		`"from":[{"podSelector":{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["untrusted"]}]}}]`, 1)
	doc := `{"policies":[` + pol + `],"queries":[` + q("unlabelled", `{"namespace":"monitoring"}`,
		`{"namespace":"monitoring","podLabels":{"app":"loki"}}`, 3100, "") + `]}`
	var out, warn bytes.Buffer
	if err := run(strings.NewReader(doc), &out, &warn); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"allowed": false`) || !strings.Contains(warn.String(), "tier NotIn") {
		t.Errorf("want cyclonus deny plus warning; out=%s warn=%s", out.String(), warn.String())
	}
}

// TestMain lets TestExitCodes run the real main() in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("NETFLOWS_RUN_MAIN") == "1" {
		os.Args = append([]string{"netflows"}, os.Args[len(os.Args)-1])
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestExitCodes(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good.json")
	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(good, []byte(`{"policies":[`+denyIngress+`],"queries":[`+q("a", nginx, grafana, 3000, "")+`]}`), 0o600)
	_ = os.WriteFile(bad, []byte(`{"policies":[`+strings.Replace(denyIngress, "podSelector", "podSelecter", 1)+`]}`), 0o600)
	for file, want := range map[string]int{good: 0, bad: 2, "-": 0} {
		cmd := exec.Command(os.Args[0], "-test.run=^$", file)
		cmd.Env = append(os.Environ(), "NETFLOWS_RUN_MAIN=1")
		cmd.Stdin = strings.NewReader(`{"queries":[]}`)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		}
		if code != want || (want == 0 && !json.Valid(stdout.Bytes())) || (want == 2 && !strings.Contains(stderr.String(), "podSelecter")) {
			t.Errorf("%s: exit %d (want %d) stdout=%q stderr=%q", file, code, want, stdout.String(), stderr.String())
		}
	}
}
