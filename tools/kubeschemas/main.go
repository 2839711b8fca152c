// Command kubeschemas writes strict, standalone JSON schemas for kubeconform:
// one per Kubernetes kind/version, from the swagger.json (OpenAPI v2) shipped
// in the k8s.io/kubernetes module zip, and one per served version of each
// CustomResourceDefinition given with --crds.
//
// Why the conversion is written here: kubeconform publishes its converter only
// as Python (scripts/openapi2jsonschema.py for CRDs; the schemas it downloads
// by default come from the Python openapi2jsonschema package), no Go module in
// kubeconform's go.sum (kube-openapi, santhosh-tekuri/jsonschema,
// sigs.k8s.io/yaml, ...) converts OpenAPI to standalone JSON Schema, and PyPI
// is unreachable here.
//
// Rules reproduced from `openapi2jsonschema --expanded --kubernetes
// --stand-alone --strict` (the flags kubernetes-json-schema is built with):
//   - IntOrString becomes oneOf string|integer and Quantity oneOf
//     string|number; any other `format: int-or-string` node becomes
//     oneOf string|integer (replace_int_or_string);
//   - apiVersion and kind get an enum from x-kubernetes-group-version-kind;
//   - the root gets `type: object` (if unset) and `additionalProperties: false`;
//   - every $ref is inlined, dropping its siblings, as jsonref does;
//   - `additionalProperties: false` on every schema that lists properties and
//     sets no additionalProperties (additional_properties);
//   - allow_null_optional_fields, kept literal: every `type: T` below the
//     root becomes [T, "null"] unless the field is in its object's `required`
//     list (roughly: null is allowed where the Go client would omit the field).
//
// Departures: schemas with x-kubernetes-preserve-unknown-fields: true stay
// open; recursive $refs are left open (see inline) where the Python tool
// refuses to write CustomResourceDefinition at all; CRD schemas also get
// `nullable`, x-kubernetes-int-or-string, x-kubernetes-embedded-resource, and
// the Kubernetes ObjectMeta schema for metadata.
package main

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

type obj = map[string]any

const objectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	version := flag.String("kubernetes-version", "", "Kubernetes version, e.g. v1.34.3 (a k8s.io/kubernetes module version)")
	out := flag.String("out", "", "output directory")
	var crds listFlag
	flag.Var(&crds, "crds", "multi-document YAML file with CustomResourceDefinitions (repeatable)")
	flag.Parse()
	start := time.Now()
	k8s, crd, err := generate(*version, *out, crds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubeschemas:", err)
		os.Exit(1)
	}
	fmt.Printf("kubeschemas: wrote %d schemas (%d Kubernetes kinds, %d CRD versions) to %s in %s\n",
		k8s+crd, k8s, crd, *out, time.Since(start).Round(time.Millisecond))
}

// generate writes the schemas and returns how many of each were written.
func generate(version, out string, crdFiles []string) (k8s, crd int, err error) {
	if version == "" || out == "" {
		return 0, 0, errors.New("--kubernetes-version and --out are required")
	}
	version = "v" + strings.TrimPrefix(version, "v")
	defs, err := readSwagger(version)
	if err != nil {
		return 0, 0, err
	}
	k8s, err = writeKubernetes(defs, filepath.Join(out, version+"-standalone-strict"))
	if err != nil {
		return 0, 0, err
	}
	meta, err := standalone(defs, objectMeta)
	if err != nil {
		return 0, 0, err
	}
	written := map[string]bool{}
	for _, f := range crdFiles {
		if err := writeCRDs(f, filepath.Join(out, "crds"), meta, written); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", f, err)
		}
	}
	return k8s, len(written), nil
}

// readSwagger returns the definitions of api/openapi-spec/swagger.json, read
// straight from the module zip that `go mod download` caches.
func readSwagger(version string) (obj, error) {
	mod := "k8s.io/kubernetes@" + version
	cmd := exec.Command("go", "mod", "download", "-json", mod)
	cmd.Dir = os.TempDir() // outside any module, so no go.mod/go.sum is touched
	cmd.Env = append(os.Environ(), "GOWORK=off")
	stdout, runErr := cmd.Output()
	var info struct{ Zip, Error string }
	if err := json.Unmarshal(stdout, &info); err != nil || info.Zip == "" {
		var exit *exec.ExitError
		if errors.As(runErr, &exit) {
			info.Error += " " + string(exit.Stderr)
		}
		return nil, fmt.Errorf("go mod download %s: %v %s", mod, runErr, info.Error)
	}
	zr, err := zip.OpenReader(info.Zip)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	f, err := zr.Open(mod + "/api/openapi-spec/swagger.json")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var doc struct{ Definitions obj }
	if err := json.NewDecoder(f).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s swagger.json: %w", mod, err)
	}
	return doc.Definitions, nil
}

// kindSuffix mirrors schemaPath in kubeconform's pkg/registry/registry.go:
// "-" + first dot-separated label of the group (or the version for the core
// group) + "-" + version, lower-cased.
func kindSuffix(apiVersion string) string {
	groupParts := strings.Split(apiVersion, "/")
	s := "-" + strings.ToLower(strings.Split(groupParts[0], ".")[0])
	if len(groupParts) > 1 {
		s += "-" + strings.ToLower(groupParts[1])
	}
	return s
}

// writeKubernetes writes <dir>/<kind><kindSuffix>.json for every
// x-kubernetes-group-version-kind and returns how many it wrote.
func writeKubernetes(defs obj, dir string) (int, error) {
	defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "integer"}}}
	defs["io.k8s.apimachinery.pkg.api.resource.Quantity"] = obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "number"}}}
	files := map[string]string{} // file name -> definition name
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		def, _ := defs[name].(obj)
		props, _ := def["properties"].(obj)
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		for _, g := range gvks {
			gvk, _ := g.(obj)
			group, _ := gvk["group"].(string)
			version, _ := gvk["version"].(string)
			kind, _ := gvk["kind"].(string)
			apiVersion := strings.TrimPrefix(group+"/"+version, "/")
			appendEnum(props["apiVersion"], apiVersion)
			appendEnum(props["kind"], kind)
			file := strings.ToLower(kind) + kindSuffix(apiVersion) + ".json"
			if prev, dup := files[file]; dup && prev != name {
				return 0, fmt.Errorf("%s would hold both %s and %s", file, prev, name)
			}
			files[file] = name
		}
	}
	for file, name := range files {
		s, err := standalone(defs, name)
		if err == nil {
			err = writeJSON(filepath.Join(dir, file), s)
		}
		if err != nil {
			return 0, err
		}
	}
	return len(files), nil
}

func appendEnum(prop any, value string) {
	p, ok := prop.(obj)
	if !ok {
		return
	}
	if enum, _ := p["enum"].([]any); !slices.Contains(enum, any(value)) {
		p["enum"] = append(enum, value)
	}
}

// standalone builds the strict standalone schema of one definition.
func standalone(defs obj, name string) (obj, error) {
	in := inliner{defs: defs, path: map[string]bool{name: true}}
	s, _ := in.inline(defs[name]).(obj)
	if s == nil || len(in.missing) > 0 {
		return nil, fmt.Errorf("%s: unresolved $ref %v", name, in.missing)
	}
	if _, ok := s["type"]; !ok {
		s["type"] = "object"
	}
	s["additionalProperties"] = false
	if props, ok := s["properties"].(obj); ok {
		for _, p := range props {
			strict(p)
		}
		s["properties"] = allowNull(intOrString(props), nil, nil, "")
	}
	return s, nil
}

type inliner struct {
	defs    obj
	path    map[string]bool // definitions being expanded on the current path
	missing []string
}

// inline returns a deep copy of n with every "#/definitions/..." $ref replaced
// by a copy of its target. A $ref back to a definition already being expanded
// on the current path (JSONSchemaProps, the one recursive type in the
// Kubernetes API) cannot be inlined finitely: it is left open as a permissive
// schema that accepts anything, so CustomResourceDefinition schemas check
// only the outermost level of spec.versions[].schema.openAPIV3Schema.
func (in *inliner) inline(n any) any {
	switch v := n.(type) {
	case obj:
		if ref, ok := v["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/definitions/")
			target, found := in.defs[name]
			switch {
			case !found:
				in.missing = append(in.missing, ref)
				return obj{}
			case in.path[name]:
				return obj{"description": "recursive reference to " + name + " left open by kubeschemas"}
			}
			in.path[name] = true
			defer delete(in.path, name)
			return in.inline(target)
		}
		out := make(obj, len(v))
		for k, c := range v {
			out[k] = in.inline(c)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, c := range v {
			out[i] = in.inline(c)
		}
		return out
	}
	return n
}

// eachSubschema calls f on every direct subschema of s (not on data such as
// enum, default or a properties map itself).
func eachSubschema(s obj, f func(obj)) {
	for _, k := range []string{"properties", "patternProperties"} {
		if m, ok := s[k].(obj); ok {
			for _, c := range m {
				if c, ok := c.(obj); ok {
					f(c)
				}
			}
		}
	}
	for _, k := range []string{"items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"} {
		switch c := s[k].(type) {
		case obj:
			f(c)
		case []any:
			for _, e := range c {
				if e, ok := e.(obj); ok {
					f(e)
				}
			}
		}
	}
}

// strict sets additionalProperties: false on every schema that lists
// properties and does not set additionalProperties, unless it carries
// x-kubernetes-preserve-unknown-fields: true.
func strict(n any) {
	s, ok := n.(obj)
	if !ok {
		return
	}
	_, hasProps := s["properties"]
	_, hasAP := s["additionalProperties"]
	if hasProps && !hasAP && s["x-kubernetes-preserve-unknown-fields"] != true {
		s["additionalProperties"] = false
	}
	eachSubschema(s, func(c obj) { strict(c) })
}

// intOrString is replace_int_or_string: a node with format int-or-string is
// replaced by oneOf string|integer.
func intOrString(n any) any {
	switch v := n.(type) {
	case obj:
		if v["format"] == "int-or-string" {
			return obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "integer"}}}
		}
		for k, c := range v {
			v[k] = intOrString(c)
		}
	case []any:
		for i, c := range v {
			v[i] = intOrString(c)
		}
	}
	return n
}

// allowNull is allow_null_optional_fields ported literally (it walks the JSON
// structurally, not schema-aware): a "type": T string becomes [T, "null"]
// unless key, the name this node sits under, is listed in the "required" of
// grand, the node two levels up (the object whose properties hold the field).
func allowNull(n, parent, grand any, key string) any {
	v, ok := n.(obj)
	if !ok {
		return n
	}
	for k, c := range v {
		switch cv := c.(type) {
		case obj:
			v[k] = allowNull(cv, v, parent, k)
		case []any:
			for i, x := range cv {
				cv[i] = allowNull(x, cv, parent, k)
			}
		case string:
			if k == "type" && cv != "null" && !isRequired(grand, key) {
				v[k] = []any{cv, "null"}
			}
		}
	}
	return v
}

// isRequired is Python's `"required" in grand_parent and key in grand_parent["required"]`.
func isRequired(grand any, key string) bool {
	g, _ := grand.(obj)
	required, _ := g["required"].([]any)
	return slices.Contains(required, any(key))
}

type crdDoc struct {
	Kind  string
	Items []crdDoc // a kind: List of CRDs
	Spec  struct {
		Group    string
		Names    struct{ Kind string }
		Versions []struct {
			Name   string
			Served *bool
			Schema struct {
				OpenAPIV3Schema obj `yaml:"openAPIV3Schema"`
			}
		}
	}
}

// writeCRDs writes <dir>/<group>/<kind>_<version>.json for each served
// version of each CustomResourceDefinition in file; other documents are skipped.
func writeCRDs(file, dir string, meta obj, written map[string]bool) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	for {
		var crd crdDoc
		if err := dec.Decode(&crd); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if err := writeCRD(crd, dir, meta, written); err != nil {
			return err
		}
	}
}

func writeCRD(crd crdDoc, dir string, meta obj, written map[string]bool) error {
	for _, item := range crd.Items {
		if err := writeCRD(item, dir, meta, written); err != nil {
			return err
		}
	}
	if crd.Kind != "CustomResourceDefinition" {
		return nil
	}
	for _, v := range crd.Spec.Versions {
		s := v.Schema.OpenAPIV3Schema
		if s == nil || (v.Served != nil && !*v.Served) {
			continue
		}
		if _, ok := s["type"]; !ok {
			s["type"] = "object"
		}
		crdFix(s, meta)
		withObjectMeta(s, meta)
		strict(s)
		path := filepath.Join(dir, crd.Spec.Group, strings.ToLower(crd.Spec.Names.Kind)+"_"+v.Name+".json")
		if err := writeJSON(path, s); err != nil {
			return err
		}
		written[path] = true
	}
	return nil
}

// crdFix turns the OpenAPI v3 / Kubernetes extensions of a CRD schema into
// JSON Schema: nullable, x-kubernetes-int-or-string, x-kubernetes-embedded-resource.
func crdFix(s, meta obj) {
	if s["x-kubernetes-int-or-string"] == true {
		delete(s, "type")
		if s["anyOf"] == nil && s["oneOf"] == nil {
			s["anyOf"] = []any{obj{"type": "integer"}, obj{"type": "string"}}
		}
	}
	if t, ok := s["type"].(string); ok && s["nullable"] == true {
		s["type"] = []any{t, "null"}
		if enum, ok := s["enum"].([]any); ok {
			s["enum"] = append(enum, nil)
		}
	}
	if s["x-kubernetes-embedded-resource"] == true {
		withObjectMeta(s, meta)
	}
	eachSubschema(s, func(c obj) { crdFix(c, meta) })
}

// withObjectMeta allows apiVersion and kind, and validates metadata with the
// Kubernetes ObjectMeta schema (keeping any name/generateName constraints the
// CRD declares), as the API server does for the root and embedded resources.
func withObjectMeta(s, meta obj) {
	props, ok := s["properties"].(obj)
	if !ok {
		return
	}
	for _, k := range []string{"apiVersion", "kind"} {
		if props[k] == nil {
			props[k] = obj{"type": "string"}
		}
	}
	m := (&inliner{}).inline(meta).(obj)
	if old, ok := props["metadata"].(obj); ok {
		if oldProps, ok := old["properties"].(obj); ok {
			for k, p := range oldProps {
				m["properties"].(obj)[k] = p
			}
		}
	}
	props["metadata"] = m
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(path), 0o755)
	}
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
