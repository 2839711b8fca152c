package main

import (
	"fmt"
	"slices"

	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/featurecontrol"
	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"gopkg.in/yaml.v2"
)

func init() {
	// Grafana reads matchers the way grafana/alerting's notify package sets up at init: compat in fallback
	// mode (Alertmanager's UTF-8 parser, then the classic one), so UTF-8 label names are accepted. Without
	// this call the library would use the classic parser only.
	compat.InitFromFlags(promslog.NewNopLogger(), featurecontrol.NoopFlags{})
}

type namedEntry struct {
	Name string `yaml:"name"`
}

// configDocument is the smallest Alertmanager configuration that holds a route tree: receivers and time
// intervals with names only (Alertmanager accepts a receiver without integrations and an empty interval).
type configDocument struct {
	Route         *policyRoute `yaml:"route"`
	Receivers     []namedEntry `yaml:"receivers"`
	TimeIntervals []namedEntry `yaml:"time_intervals,omitempty"`
}

// loadTree turns the request's tree into dispatch's routing tree through Alertmanager's own configuration
// loader, so a tree Alertmanager refuses is refused here with its message.
func loadTree(in request) (*dispatch.Route, error) {
	tree, err := withObjectMatchers(in.Route)
	if err != nil {
		return nil, err
	}
	receivers, intervals := namesUsed(tree)
	if in.Receivers != nil {
		receivers = *in.Receivers
	}
	if in.TimeIntervals != nil {
		intervals = *in.TimeIntervals
	}
	document, err := yaml.Marshal(configDocument{Route: tree, Receivers: entries(receivers), TimeIntervals: entries(intervals)})
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(string(document))
	if err != nil {
		return nil, err
	}
	if err := checkMatchersKept(in.Route, cfg.Route); err != nil {
		return nil, err
	}
	return dispatch.NewRoute(cfg.Route, nil), nil
}

// withObjectMatchers copies the tree with every object matcher built by Alertmanager's labels.NewMatcher (as
// Grafana builds its ObjectMatchers) and written in Alertmanager's matcher syntax after the route's own
// matchers, which is where Grafana's AsAMRoute puts them.
func withObjectMatchers(route *policyRoute) (*policyRoute, error) {
	out := *route
	out.Matchers = slices.Clone(route.Matchers)
	for _, triple := range route.ObjectMatchers {
		matcher, err := objectMatcher(triple)
		if err != nil {
			return nil, err
		}
		out.Matchers = append(out.Matchers, matcher.String())
	}
	out.Routes = nil
	for _, child := range route.Routes {
		copied, err := withObjectMatchers(child)
		if err != nil {
			return nil, err
		}
		out.Routes = append(out.Routes, copied)
	}
	return &out, nil
}

func objectMatcher(triple [3]string) (*labels.Matcher, error) {
	for _, matchType := range []labels.MatchType{labels.MatchEqual, labels.MatchNotEqual, labels.MatchRegexp, labels.MatchNotRegexp} {
		if matchType.String() == triple[1] {
			return labels.NewMatcher(matchType, triple[0], triple[2])
		}
	}
	// Grafana's ObjectMatchers refuse any other operator with this message.
	return nil, fmt.Errorf("unsupported match type %q in matcher", triple[1])
}

// checkMatchersKept makes sure that every object matcher came back from Alertmanager's parser as the matcher
// labels.NewMatcher built, so the text form did not change what the route matches.
func checkMatchersKept(route *policyRoute, loaded *config.Route) error {
	for _, triple := range route.ObjectMatchers {
		built, _ := objectMatcher(triple)
		if !slices.ContainsFunc(loaded.Matchers, func(m *labels.Matcher) bool {
			return m.Name == built.Name && m.Type == built.Type && m.Value == built.Value
		}) {
			return fmt.Errorf("matcher %q did not survive Alertmanager's matcher parser: got %v", triple, loaded.Matchers)
		}
	}
	for i, child := range route.Routes {
		if err := checkMatchersKept(child, loaded.Routes[i]); err != nil {
			return err
		}
	}
	return nil
}

// namesUsed lists, without duplicates, the receivers and the time intervals (mute or active) the tree names.
func namesUsed(route *policyRoute) (receivers, intervals []string) {
	var walk func(*policyRoute)
	walk = func(r *policyRoute) {
		if r.Receiver != "" && !slices.Contains(receivers, r.Receiver) {
			receivers = append(receivers, r.Receiver)
		}
		for _, name := range slices.Concat(r.MuteTimeIntervals, r.ActiveTimeIntervals) {
			if !slices.Contains(intervals, name) {
				intervals = append(intervals, name)
			}
		}
		for _, child := range r.Routes {
			walk(child)
		}
	}
	walk(route)
	return receivers, intervals
}

func entries(names []string) []namedEntry {
	out := []namedEntry{}
	for _, name := range names {
		out = append(out, namedEntry{Name: name})
	}
	return out
}

// matchLabels is dispatch's Route.Match on one label set, with the options each matched route resolved.
func matchLabels(tree *dispatch.Route, labelSet map[string]string) []matchedRoute {
	set := model.LabelSet{}
	for name, value := range labelSet {
		set[model.LabelName(name)] = model.LabelValue(value)
	}
	routes := []matchedRoute{}
	for _, route := range tree.Match(set) {
		opts := route.RouteOpts
		groupBy := []string{}
		for name := range opts.GroupBy {
			groupBy = append(groupBy, string(name))
		}
		slices.Sort(groupBy)
		routes = append(routes, matchedRoute{
			ID:                  route.ID(),
			Receiver:            opts.Receiver,
			GroupBy:             groupBy,
			GroupByAll:          opts.GroupByAll,
			GroupWait:           model.Duration(opts.GroupWait).String(),
			GroupInterval:       model.Duration(opts.GroupInterval).String(),
			RepeatInterval:      model.Duration(opts.RepeatInterval).String(),
			MuteTimeIntervals:   orEmpty(opts.MuteTimeIntervals),
			ActiveTimeIntervals: orEmpty(opts.ActiveTimeIntervals),
		})
	}
	return routes
}

func orEmpty(names []string) []string {
	if names == nil {
		return []string{}
	}
	return names
}
