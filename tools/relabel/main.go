// Command relabel applies relabeling rules to label sets with Prometheus' own library
// (github.com/prometheus/prometheus/model/relabel), the code that Prometheus' service discovery and
// Alloy's discovery.relabel run, and prints the resulting labels as JSON.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"go.yaml.in/yaml/v2"
)

// request is one input file: rules in Prometheus' relabel_config shape and the label sets to apply them to.
type request struct {
	// NameValidationScheme is "utf8" (Prometheus 3's default, used when empty) or "legacy".
	NameValidationScheme string              `yaml:"nameValidationScheme"`
	Rules                []*relabel.Config   `yaml:"rules"`
	Targets              []map[string]string `yaml:"targets"`
}

type targetResult struct {
	Dropped bool `json:"dropped"`
	// Labels after relabeling; null when a rule dropped the target.
	Labels map[string]string `json:"labels"`
	// PublicLabels are Labels without the names Prometheus reserves for internal use (model.ReservedLabelPrefix, "__").
	PublicLabels map[string]string `json:"publicLabels"`
}

type fileResult struct {
	File string `json:"file"`
	// Error is the library's message when the file's rules do not decode or do not validate; Targets is then empty.
	Error   string         `json:"error,omitempty"`
	Targets []targetResult `json:"targets"`
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run returns 0 when every file was relabeled, 1 when some file's rules are invalid (its result says why),
// 2 for bad usage or an unreadable file.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("relabel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: relabel FILE|- ...   (each file: {nameValidationScheme, rules, targets}, JSON or YAML)")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	results := []fileResult{}
	invalid := false
	for _, path := range fs.Args() {
		data, err := readInput(path, stdin)
		if err != nil {
			fmt.Fprintln(stderr, "relabel:", err)
			return 2
		}
		targets, err := process(data)
		result := fileResult{File: path, Targets: targets}
		if err != nil {
			invalid = true
			result.Error = err.Error()
			result.Targets = []targetResult{}
		}
		results = append(results, result)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string][]fileResult{"results": results}); err != nil {
		fmt.Fprintln(stderr, "relabel:", err)
		return 2
	}
	if invalid {
		return 1
	}
	return 0
}

func readInput(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(path)
}

// process decodes a request as Prometheus decodes its configuration file (strict YAML, so the rules get
// relabel.DefaultRelabelConfig's defaults and unknown fields are errors), validates every rule and applies them.
func process(data []byte) ([]targetResult, error) {
	var req request
	if err := yaml.UnmarshalStrict(data, &req); err != nil {
		return nil, err
	}
	scheme, err := validationScheme(req.NameValidationScheme)
	if err != nil {
		return nil, err
	}
	for i, rule := range req.Rules {
		if rule == nil {
			return nil, fmt.Errorf("rule %d: empty", i+1)
		}
		// Validate also sets the rule's name validation scheme, which relabeling needs to check target labels.
		if err := rule.Validate(scheme); err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
	}
	results := make([]targetResult, 0, len(req.Targets))
	for _, target := range req.Targets {
		builder := labels.NewBuilder(labels.FromMap(target))
		if !relabel.ProcessBuilder(builder, req.Rules...) {
			results = append(results, targetResult{Dropped: true})
			continue
		}
		all := builder.Labels().Map()
		public := map[string]string{}
		for name, value := range all {
			if !strings.HasPrefix(name, model.ReservedLabelPrefix) {
				public[name] = value
			}
		}
		results = append(results, targetResult{Labels: all, PublicLabels: public})
	}
	return results, nil
}

func validationScheme(name string) (model.ValidationScheme, error) {
	switch name {
	case "", "utf8":
		return model.UTF8Validation, nil
	case "legacy":
		return model.LegacyValidation, nil
	}
	return model.UnsetValidation, errors.New(`nameValidationScheme must be "utf8" (the default) or "legacy", got ` + fmt.Sprintf("%q", name))
}
