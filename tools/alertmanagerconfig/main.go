// Command alertmanagerconfig loads a whole Alertmanager configuration file with the config package of the
// Alertmanager release kube-prometheus-stack deploys (config.LoadFile: every receiver, route, time interval and
// inhibit rule is checked, with Alertmanager's own messages) and routes label sets through its route tree with
// dispatch.NewRoute and Route.Match. It prints, as JSON, each receiver's integrations and secret files, and the
// receivers each label set reaches.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/common/model"
)

type request struct {
	// Config is the alertmanager.yaml text, exactly as the operator hands it to Alertmanager.
	Config    string              `json:"config"`
	LabelSets []map[string]string `json:"labelSets"`
}

// receiver is one receiver of the loaded configuration: how many integrations of each kind it has, and the
// files its secrets are read from (after Alertmanager resolved the globals into each integration).
type receiver struct {
	Name         string         `json:"name"`
	Integrations map[string]int `json:"integrations"`
	SecretFiles  []string       `json:"secretFiles"`
	// Targets are the non-secret addresses: Slack channels, email recipients, PagerDuty routing is a key (secret).
	Targets []string `json:"targets"`
}

type matchedRoute struct {
	ID                string   `json:"id"`
	Receiver          string   `json:"receiver"`
	GroupBy           []string `json:"groupBy"`
	GroupWait         string   `json:"groupWait"`
	RepeatInterval    string   `json:"repeatInterval"`
	MuteTimeIntervals []string `json:"muteTimeIntervals"`
}

type labelSetRouting struct {
	Labels map[string]string `json:"labels"`
	Routes []matchedRoute    `json:"routes"`
}

type response struct {
	Error         string            `json:"error,omitempty"`
	Receivers     []receiver        `json:"receivers"`
	TimeIntervals []string          `json:"timeIntervals"`
	InhibitRules  int               `json:"inhibitRules"`
	Templates     []string          `json:"templates"`
	Matches       []labelSetRouting `json:"matches"`
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(err error) int { fmt.Fprintln(stderr, "alertmanagerconfig:", err); return 2 }
	if len(args) > 1 || slices.Contains(args, "-h") || slices.Contains(args, "--help") {
		fmt.Fprintln(stderr, "usage: alertmanagerconfig [FILE|-]   (JSON: {config: \"<alertmanager.yaml>\", labelSets: [{label: value}]})")
		return 2
	}
	var r io.Reader = stdin
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return fail(err)
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	var in request
	if err := decoder.Decode(&in); err != nil {
		return fail(err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(answer(in)); err != nil {
		return fail(err)
	}
	return 0
}

func answer(in request) response {
	out := response{Receivers: []receiver{}, TimeIntervals: []string{}, Templates: []string{}, Matches: []labelSetRouting{}}
	// config.Load is what Alertmanager runs on its configuration file (LoadFile reads the file, then Load).
	cfg, err := config.Load(in.Config)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	for _, r := range cfg.Receivers {
		out.Receivers = append(out.Receivers, describe(r))
	}
	for _, ti := range cfg.TimeIntervals {
		out.TimeIntervals = append(out.TimeIntervals, ti.Name)
	}
	for _, ti := range cfg.MuteTimeIntervals {
		out.TimeIntervals = append(out.TimeIntervals, ti.Name)
	}
	out.InhibitRules = len(cfg.InhibitRules)
	out.Templates = append(out.Templates, cfg.Templates...)
	tree := dispatch.NewRoute(cfg.Route, nil)
	for _, set := range in.LabelSets {
		ls := model.LabelSet{}
		for name, value := range set {
			ls[model.LabelName(name)] = model.LabelValue(value)
		}
		routing := labelSetRouting{Labels: set, Routes: []matchedRoute{}}
		for _, route := range tree.Match(ls) {
			groupBy := []string{}
			for name := range route.RouteOpts.GroupBy {
				groupBy = append(groupBy, string(name))
			}
			sort.Strings(groupBy)
			mute := append([]string{}, route.RouteOpts.MuteTimeIntervals...)
			routing.Routes = append(routing.Routes, matchedRoute{
				ID: route.ID(), Receiver: route.RouteOpts.Receiver, GroupBy: groupBy,
				GroupWait: model.Duration(route.RouteOpts.GroupWait).String(), RepeatInterval: model.Duration(route.RouteOpts.RepeatInterval).String(),
				MuteTimeIntervals: mute,
			})
		}
		out.Matches = append(out.Matches, routing)
	}
	return out
}

func describe(r config.Receiver) receiver {
	out := receiver{Name: r.Name, Integrations: map[string]int{}, SecretFiles: []string{}, Targets: []string{}}
	add := func(kind string, n int) {
		if n > 0 {
			out.Integrations[kind] = n
		}
	}
	file := func(path string) {
		if path != "" {
			out.SecretFiles = append(out.SecretFiles, path)
		}
	}
	add("slack", len(r.SlackConfigs))
	for _, c := range r.SlackConfigs {
		file(c.APIURLFile)
		file(c.AppTokenFile)
		if c.HTTPConfig != nil && c.HTTPConfig.Authorization != nil {
			file(c.HTTPConfig.Authorization.CredentialsFile)
		}
		out.Targets = append(out.Targets, "slack:"+c.Channel)
	}
	add("email", len(r.EmailConfigs))
	for _, c := range r.EmailConfigs {
		file(c.AuthPasswordFile)
		out.Targets = append(out.Targets, "email:"+c.To)
	}
	add("pagerduty", len(r.PagerdutyConfigs))
	for _, c := range r.PagerdutyConfigs {
		file(c.RoutingKeyFile)
		file(c.ServiceKeyFile)
	}
	add("webhook", len(r.WebhookConfigs))
	add("opsgenie", len(r.OpsGenieConfigs))
	add("msteams", len(r.MSTeamsConfigs))
	add("msteamsv2", len(r.MSTeamsV2Configs))
	sort.Strings(out.SecretFiles)
	out.SecretFiles = slices.Compact(out.SecretFiles)
	return out
}
