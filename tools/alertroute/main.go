// Command alertroute routes label sets through a notification policy tree with Prometheus Alertmanager's own
// code, the code Grafana's Alertmanager routes with: the tree is loaded by Alertmanager's config package
// (config.Load, so its checks and error messages apply), built with dispatch.NewRoute and matched with
// Route.Match. It prints, as JSON, the routes each label set reaches and the options Alertmanager resolved
// for them (receiver, grouping, timings, mute and active time intervals).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
)

// policyRoute is one node of Alertmanager's route tree, in the field names of its configuration file, plus
// Grafana's object_matchers: [label, operator, value] triples, the form Grafana's API stores matchers in.
type policyRoute struct {
	Receiver            string         `json:"receiver,omitempty" yaml:"receiver,omitempty"`
	GroupBy             []string       `json:"group_by,omitempty" yaml:"group_by,omitempty"`
	Matchers            []string       `json:"matchers,omitempty" yaml:"matchers,omitempty"`
	ObjectMatchers      [][3]string    `json:"object_matchers,omitempty" yaml:"-"`
	MuteTimeIntervals   []string       `json:"mute_time_intervals,omitempty" yaml:"mute_time_intervals,omitempty"`
	ActiveTimeIntervals []string       `json:"active_time_intervals,omitempty" yaml:"active_time_intervals,omitempty"`
	Continue            bool           `json:"continue,omitempty" yaml:"continue,omitempty"`
	GroupWait           string         `json:"group_wait,omitempty" yaml:"group_wait,omitempty"`
	GroupInterval       string         `json:"group_interval,omitempty" yaml:"group_interval,omitempty"`
	RepeatInterval      string         `json:"repeat_interval,omitempty" yaml:"repeat_interval,omitempty"`
	Routes              []*policyRoute `json:"routes,omitempty" yaml:"routes,omitempty"`
}

type request struct {
	Route *policyRoute `json:"route"`
	// Receivers and TimeIntervals are the names the configuration defines. When absent, every name the tree
	// uses is defined, so only the tree itself is checked; when given, a name outside them is refused.
	Receivers     *[]string           `json:"receivers,omitempty"`
	TimeIntervals *[]string           `json:"timeIntervals,omitempty"`
	LabelSets     []map[string]string `json:"labelSets"`
}

// matchedRoute is one route an alert reaches, with the options dispatch resolved for it (inherited or its own).
type matchedRoute struct {
	// ID is dispatch's Route.ID(): the matchers of every route on the path and the position under the parent.
	ID       string `json:"id"`
	Receiver string `json:"receiver"`
	// GroupBy is sorted: Alertmanager keeps it as a set. With GroupByAll (`...`) dispatch groups by every label
	// and GroupBy keeps whatever was inherited, unused.
	GroupBy    []string `json:"groupBy"`
	GroupByAll bool     `json:"groupByAll"`
	// Durations are written as Prometheus writes them (model.Duration: "30s", "5m", "4h", "1d").
	GroupWait           string   `json:"groupWait"`
	GroupInterval       string   `json:"groupInterval"`
	RepeatInterval      string   `json:"repeatInterval"`
	MuteTimeIntervals   []string `json:"muteTimeIntervals"`
	ActiveTimeIntervals []string `json:"activeTimeIntervals"`
}

type labelSetRouting struct {
	Labels map[string]string `json:"labels"`
	Routes []matchedRoute    `json:"routes"`
}

type response struct {
	// Error is Alertmanager's message when it refuses the tree; Matches is then empty.
	Error   string            `json:"error,omitempty"`
	Matches []labelSetRouting `json:"matches"`
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(err error) int { fmt.Fprintln(stderr, "alertroute:", err); return 2 }
	if slices.Contains(args, "-h") || slices.Contains(args, "--help") || len(args) > 1 {
		fmt.Fprintln(stderr, "usage: alertroute [FILE|-]   (JSON: {route, labelSets: [{label: value}], receivers?, timeIntervals?}; stdin when no FILE)")
		return 2
	}
	path := "-"
	if len(args) == 1 {
		path = args[0]
	}
	in, err := readRequest(path, stdin)
	if err != nil {
		return fail(err)
	}
	out := answer(in)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fail(err)
	}
	return 0
}

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
	decoder := json.NewDecoder(bytes.NewReader(raw))
	// A misspelt field (e.g. "group_wiat") would otherwise be dropped and the tree routed without it.
	decoder.DisallowUnknownFields()
	var in request
	if err := decoder.Decode(&in); err != nil {
		return request{}, fmt.Errorf("%s: %w", path, err)
	}
	if in.Route == nil {
		return request{}, fmt.Errorf("%s: no route", path)
	}
	return in, nil
}

func answer(in request) response {
	out := response{Matches: []labelSetRouting{}}
	tree, err := loadTree(in)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	for _, labels := range in.LabelSets {
		out.Matches = append(out.Matches, labelSetRouting{Labels: labels, Routes: matchLabels(tree, labels)})
	}
	return out
}
