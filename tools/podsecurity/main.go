// Command podsecurity judges the pod templates in rendered Kubernetes manifests
// with the API server's own Pod Security Admission library
// (k8s.io/pod-security-admission) and prints the verdicts as JSON.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const hookAnnotation = "helm.sh/hook"

// kinds maps "apiVersion/kind" to a constructor of the typed object it decodes into.
var kinds = map[string]func() runtime.Object{
	"v1/Namespace":             func() runtime.Object { return &corev1.Namespace{} },
	"v1/Pod":                   func() runtime.Object { return &corev1.Pod{} },
	"v1/PodTemplate":           func() runtime.Object { return &corev1.PodTemplate{} },
	"v1/ReplicationController": func() runtime.Object { return &corev1.ReplicationController{} },
	"apps/v1/Deployment":       func() runtime.Object { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":      func() runtime.Object { return &appsv1.StatefulSet{} },
	"apps/v1/DaemonSet":        func() runtime.Object { return &appsv1.DaemonSet{} },
	"apps/v1/ReplicaSet":       func() runtime.Object { return &appsv1.ReplicaSet{} },
	"batch/v1/Job":             func() runtime.Object { return &batchv1.Job{} },
	"batch/v1/CronJob":         func() runtime.Object { return &batchv1.CronJob{} },
}

type levelVersion struct {
	Level   string `json:"level"`
	Version string `json:"version"`
}

type forbidden struct {
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

type evaluation struct {
	Level     string      `json:"level"`
	Version   string      `json:"version"`
	Allowed   bool        `json:"allowed"`
	Forbidden []forbidden `json:"forbidden"`
}

type result struct {
	Kind           string        `json:"kind"`
	Namespace      string        `json:"namespace"`
	Name           string        `json:"name"`
	Hook           string        `json:"hook"`
	NamespaceKnown bool          `json:"namespaceKnown"`
	Enforce        *levelVersion `json:"enforce"`
	PolicyErrors   []string      `json:"policyErrors,omitempty"`
	Evaluations    []evaluation  `json:"evaluations"`
	EnforceAllowed *bool         `json:"enforceAllowed"`
}

// podObject is one object that carries a pod spec.
type podObject struct {
	kind, namespace, name, hook string
	meta                        *metav1.ObjectMeta
	spec                        *corev1.PodSpec
}

type input struct {
	namespaces map[string]*corev1.Namespace
	pods       []podObject
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("podsecurity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defaultNS := fs.String("default-namespace", "", "namespace of objects whose metadata.namespace is empty (the namespace Helm rendered into)")
	versionList := fs.String("versions", "v1.34,latest", "comma-separated policy versions to evaluate (v1.N or latest), besides each namespace's enforce-version")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: podsecurity [--default-namespace NS] [--versions v1.34,latest] FILE|- ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "podsecurity:", err); return 2 }
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	var versions []api.Version
	for _, s := range strings.Split(*versionList, ",") {
		v, err := api.ParseVersion(strings.TrimSpace(s))
		if err != nil {
			return fail(fmt.Errorf("--versions %q: %w", s, err))
		}
		versions = append(versions, v)
	}
	in := &input{namespaces: map[string]*corev1.Namespace{}}
	for _, path := range fs.Args() {
		if err := in.readFile(path, stdin); err != nil {
			return fail(err)
		}
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return fail(err)
	}
	results := []result{}
	for _, p := range in.pods {
		results = append(results, judge(evaluator, p, in.namespaces, *defaultNS, versions))
	}
	slices.SortStableFunc(results, func(a, b result) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name))
	})
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string][]result{"results": results}); err != nil {
		return fail(err)
	}
	return 0
}

func (in *input) readFile(path string, stdin io.Reader) error {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	yr := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for i := 1; ; i++ {
		doc, err := yr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := in.addDocument(doc); err != nil {
			return fmt.Errorf("%s: document %d: %w", path, i, err)
		}
	}
}

func (in *input) addDocument(doc []byte) error {
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return err
	}
	if j = bytes.TrimSpace(j); len(j) == 0 || j[0] != '{' {
		return nil // empty document, or not an object
	}
	var tm metav1.TypeMeta
	if err := kjson.UnmarshalCaseSensitivePreserveInts(j, &tm); err != nil {
		return err
	}
	newObj, ok := kinds[tm.APIVersion+"/"+tm.Kind]
	if !ok {
		return nil
	}
	obj := newObj()
	// Case-sensitive decoding into the typed structs, as the API server does.
	if err := kjson.UnmarshalCaseSensitivePreserveInts(j, obj); err != nil {
		return fmt.Errorf("%s: %w", tm.Kind, err)
	}
	var objMeta *metav1.ObjectMeta
	var tmpl *corev1.PodTemplateSpec
	switch o := obj.(type) {
	case *corev1.Namespace:
		in.namespaces[o.Name] = o
		return nil
	case *corev1.Pod:
		objMeta, tmpl = &o.ObjectMeta, &corev1.PodTemplateSpec{ObjectMeta: o.ObjectMeta, Spec: o.Spec}
	case *corev1.PodTemplate:
		objMeta, tmpl = &o.ObjectMeta, &o.Template
	case *corev1.ReplicationController:
		objMeta, tmpl = &o.ObjectMeta, o.Spec.Template
	case *appsv1.Deployment:
		objMeta, tmpl = &o.ObjectMeta, &o.Spec.Template
	case *appsv1.StatefulSet:
		objMeta, tmpl = &o.ObjectMeta, &o.Spec.Template
	case *appsv1.DaemonSet:
		objMeta, tmpl = &o.ObjectMeta, &o.Spec.Template
	case *appsv1.ReplicaSet:
		objMeta, tmpl = &o.ObjectMeta, &o.Spec.Template
	case *batchv1.Job:
		objMeta, tmpl = &o.ObjectMeta, &o.Spec.Template
	case *batchv1.CronJob:
		objMeta, tmpl = &o.ObjectMeta, &o.Spec.JobTemplate.Spec.Template
	}
	if tmpl == nil {
		return nil // a ReplicationController without a template has no pod to judge
	}
	in.pods = append(in.pods, podObject{
		kind: tm.Kind, namespace: objMeta.Namespace, name: objMeta.Name,
		hook: objMeta.Annotations[hookAnnotation], meta: &tmpl.ObjectMeta, spec: &tmpl.Spec,
	})
	return nil
}

func judge(ev policy.Evaluator, p podObject, namespaces map[string]*corev1.Namespace, defaultNS string, versions []api.Version) result {
	res := result{Kind: p.kind, Namespace: p.namespace, Name: p.name, Hook: p.hook, Evaluations: []evaluation{}}
	if res.Namespace == "" {
		res.Namespace = defaultNS
	}
	var lvs []api.LevelVersion
	ns, known := namespaces[res.Namespace]
	var enforce api.LevelVersion
	if known {
		// The API server's defaults: a namespace without labels is privileged at latest.
		def := api.LevelVersion{Level: api.LevelPrivileged, Version: api.LatestVersion()}
		pol, errs := api.PolicyToEvaluate(ns.Labels, api.Policy{Enforce: def, Audit: def, Warn: def})
		for _, e := range errs {
			res.PolicyErrors = append(res.PolicyErrors, e.Error())
		}
		enforce = pol.Enforce
		versions = append(versions[:len(versions):len(versions)], enforce.Version)
		res.NamespaceKnown = true
		res.Enforce = &levelVersion{Level: string(enforce.Level), Version: enforce.Version.String()}
	}
	for _, v := range versions {
		lvs = append(lvs, api.LevelVersion{Level: api.LevelBaseline, Version: v}, api.LevelVersion{Level: api.LevelRestricted, Version: v})
	}
	if known {
		lvs = append(lvs, enforce)
	}
	seen := map[string]bool{}
	for _, lv := range lvs {
		if seen[lv.String()] {
			continue
		}
		seen[lv.String()] = true
		agg := policy.AggregateCheckResults(ev.EvaluatePod(lv, p.meta, p.spec))
		e := evaluation{Level: string(lv.Level), Version: lv.Version.String(), Allowed: agg.Allowed, Forbidden: []forbidden{}}
		for i, reason := range agg.ForbiddenReasons {
			e.Forbidden = append(e.Forbidden, forbidden{Reason: reason, Detail: agg.ForbiddenDetails[i]})
		}
		res.Evaluations = append(res.Evaluations, e)
		if known && lv.String() == enforce.String() {
			allowed := agg.Allowed
			res.EnforceAllowed = &allowed
		}
	}
	return res
}
