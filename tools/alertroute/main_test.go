package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
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

// routeAll routes every label set through tree and fails the test if Alertmanager refuses the tree.
func routeAll(t *testing.T, in request) [][]matchedRoute {
	t.Helper()
	input, _ := json.Marshal(in)
	out, stderr, code := runTool(t, string(input))
	if code != 0 || out.Error != "" || len(out.Matches) != len(in.LabelSets) {
		t.Fatalf("exit %d, error %q, %d matches: %s", code, out.Error, len(out.Matches), stderr)
	}
	routes := [][]matchedRoute{}
	for _, match := range out.Matches {
		routes = append(routes, match.Routes)
	}
	return routes
}

// refusal is Alertmanager's message for a tree it refuses.
func refusal(t *testing.T, in request) string {
	t.Helper()
	input, _ := json.Marshal(in)
	out, stderr, code := runTool(t, string(input))
	if code != 0 || out.Error == "" {
		t.Fatalf("tree accepted (exit %d, %s): %+v", code, stderr, out)
	}
	return out.Error
}

func receivers(routes []matchedRoute) []string {
	names := []string{}
	for _, route := range routes {
		names = append(names, route.Receiver)
	}
	return names
}

func team(op, value string) [][3]string { return [][3]string{{"team", op, value}} }

func TestFirstMatchWinsUnlessItContinues(t *testing.T) {
	tree := &policyRoute{Receiver: "root", Routes: []*policyRoute{
		{Receiver: "a", ObjectMatchers: team("=", "x"), Continue: true},
		{Receiver: "b", ObjectMatchers: team("=~", "x|y")},
		{Receiver: "c", ObjectMatchers: team("=~", "x|y")}, // never reached: b matches the same alerts and stops
		{Receiver: "d", ObjectMatchers: team("!=", "z"), Continue: true},
	}}
	got := routeAll(t, request{Route: tree, LabelSets: []map[string]string{{"team": "x"}, {"team": "y"}, {"team": "z"}, {}}})
	for i, want := range [][]string{{"a", "b"}, {"b"}, {"root"}, {"d"}} {
		if !slices.Equal(receivers(got[i]), want) {
			t.Errorf("label set %d reaches %v, want %v", i, receivers(got[i]), want)
		}
	}
}

func TestAParentOnlyTakesWhatNoChildTook(t *testing.T) {
	tree := &policyRoute{Receiver: "root", Routes: []*policyRoute{{Receiver: "team", ObjectMatchers: team("=", "x"), Routes: []*policyRoute{
		{Receiver: "page", ObjectMatchers: [][3]string{{"severity", "=", "critical"}}},
	}}}}
	got := routeAll(t, request{Route: tree, LabelSets: []map[string]string{{"team": "x", "severity": "critical"}, {"team": "x"}}})
	if !slices.Equal(receivers(got[0]), []string{"page"}) || !slices.Equal(receivers(got[1]), []string{"team"}) {
		t.Fatalf("reached %v and %v", receivers(got[0]), receivers(got[1]))
	}
	if got[0][0].ID != `{}/{team="x"}/0/{severity="critical"}/0` {
		t.Errorf("route id %q", got[0][0].ID)
	}
}

func TestChildrenInheritAllButTimeIntervals(t *testing.T) {
	tree := &policyRoute{Receiver: "root", GroupBy: []string{"severity", "alertname"}, RepeatInterval: "12h", Routes: []*policyRoute{
		{ObjectMatchers: team("=", "x"), MuteTimeIntervals: []string{"night"}, ActiveTimeIntervals: []string{"office"}, GroupWait: "1m", Routes: []*policyRoute{
			{ObjectMatchers: [][3]string{{"severity", "=", "info"}}, RepeatInterval: "24h"},
		}},
		{Receiver: "everything", ObjectMatchers: team("=", "y"), GroupBy: []string{"..."}, Routes: []*policyRoute{
			{ObjectMatchers: [][3]string{{"severity", "=", "info"}}, GroupBy: []string{"service"}},
		}},
	}}
	got := routeAll(t, request{Route: tree, LabelSets: []map[string]string{
		{"team": "x"}, {"team": "x", "severity": "info"}, {"team": "y"}, {"team": "y", "severity": "info"}, {},
	}})
	want := []matchedRoute{
		{Receiver: "root", GroupBy: []string{"alertname", "severity"}, GroupWait: "1m", GroupInterval: "5m", RepeatInterval: "12h",
			MuteTimeIntervals: []string{"night"}, ActiveTimeIntervals: []string{"office"}},
		// Receiver, grouping and timings come down from both ancestors; the time intervals stay with the parent.
		{Receiver: "root", GroupBy: []string{"alertname", "severity"}, GroupWait: "1m", GroupInterval: "5m", RepeatInterval: "1d",
			MuteTimeIntervals: []string{}, ActiveTimeIntervals: []string{}},
		// `...` sets GroupByAll and leaves the inherited labels in place: dispatch then groups by every label.
		{Receiver: "everything", GroupBy: []string{"alertname", "severity"}, GroupByAll: true, GroupWait: "30s", GroupInterval: "5m", RepeatInterval: "12h",
			MuteTimeIntervals: []string{}, ActiveTimeIntervals: []string{}},
		// A child's own group_by replaces the parent's `...`.
		{Receiver: "everything", GroupBy: []string{"service"}, GroupWait: "30s", GroupInterval: "5m", RepeatInterval: "12h",
			MuteTimeIntervals: []string{}, ActiveTimeIntervals: []string{}},
		// Alertmanager's DefaultRouteOpts fill what the root leaves unset.
		{Receiver: "root", GroupBy: []string{"alertname", "severity"}, GroupWait: "30s", GroupInterval: "5m", RepeatInterval: "12h",
			MuteTimeIntervals: []string{}, ActiveTimeIntervals: []string{}},
	}
	for i := range want {
		if len(got[i]) != 1 {
			t.Fatalf("label set %d reaches %d routes", i, len(got[i]))
		}
		got[i][0].ID = ""
		if g, w := jsonOf(got[i][0]), jsonOf(want[i]); g != w {
			t.Errorf("label set %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestRegexMatchersAreAnchored(t *testing.T) {
	tree := &policyRoute{Receiver: "root", Routes: []*policyRoute{
		{Receiver: "crit", ObjectMatchers: [][3]string{{"severity", "=~", "crit"}}},
		{Receiver: "not-warn", ObjectMatchers: [][3]string{{"severity", "!~", "warn"}, {"team", "=", "x"}}},
	}}
	got := routeAll(t, request{Route: tree, LabelSets: []map[string]string{
		{"severity": "crit"}, {"severity": "critical"}, {"severity": "warning", "team": "x"}, {"severity": "warn", "team": "x"},
	}})
	for i, want := range [][]string{{"crit"}, {"root"}, {"not-warn"}, {"root"}} {
		if !slices.Equal(receivers(got[i]), want) {
			t.Errorf("label set %d reaches %v, want %v", i, receivers(got[i]), want)
		}
	}
}

func TestObjectMatchersKeepNamesAndValuesAlertmanagerMustQuote(t *testing.T) {
	value := "say \"hi\"\\\nbye"
	tree := &policyRoute{Receiver: "root", Routes: []*policyRoute{
		{Receiver: "odd", ObjectMatchers: [][3]string{{"service name", "=", value}, {"service.namespace", "=~", "a|b"}}},
	}}
	got := routeAll(t, request{Route: tree, LabelSets: []map[string]string{
		{"service name": value, "service.namespace": "b"}, {"service name": "say hi", "service.namespace": "b"},
	}})
	if !slices.Equal(receivers(got[0]), []string{"odd"}) || !slices.Equal(receivers(got[1]), []string{"root"}) {
		t.Fatalf("reached %v and %v", receivers(got[0]), receivers(got[1]))
	}
}

func TestInvalidMatchersRefusedWithAlertmanagerMessage(t *testing.T) {
	_, parseErr := compat.Matchers(`severity=~"("`, "config")
	got := refusal(t, request{Route: &policyRoute{Receiver: "root", Routes: []*policyRoute{{Receiver: "a", Matchers: []string{`severity=~"("`}}}}})
	if parseErr == nil || got != parseErr.Error() {
		t.Errorf("matcher string: %q, Alertmanager's parser says %v", got, parseErr)
	}
	_, buildErr := labels.NewMatcher(labels.MatchRegexp, "severity", "(")
	got = refusal(t, request{Route: &policyRoute{Receiver: "root", Routes: []*policyRoute{{Receiver: "a", ObjectMatchers: [][3]string{{"severity", "=~", "("}}}}}})
	if got != buildErr.Error() || !strings.Contains(got, "missing closing )") {
		t.Errorf("object matcher: %q, labels.NewMatcher says %v", got, buildErr)
	}
	got = refusal(t, request{Route: &policyRoute{Receiver: "root", Routes: []*policyRoute{{Receiver: "a", ObjectMatchers: [][3]string{{"severity", "==", "x"}}}}}})
	if got != `unsupported match type "==" in matcher` {
		t.Errorf("unknown operator: %q", got)
	}
}

func TestTreesAlertmanagerRefuses(t *testing.T) {
	child := func(r *policyRoute) *policyRoute { return &policyRoute{Receiver: "root", Routes: []*policyRoute{r}} }
	none := []string{}
	for want, in := range map[string]request{
		`undefined receiver "pager" used in route`:                                      {Route: child(&policyRoute{Receiver: "pager"}), Receivers: &[]string{"root"}},
		`undefined time interval "night" used in route`:                                 {Route: child(&policyRoute{MuteTimeIntervals: []string{"night"}}), TimeIntervals: &none},
		`root route must not have any mute time intervals`:                              {Route: &policyRoute{Receiver: "root", MuteTimeIntervals: []string{"night"}}},
		`root route must not have any matchers`:                                         {Route: &policyRoute{Receiver: "root", ObjectMatchers: team("=", "x")}},
		`root route must specify a default receiver`:                                    {Route: &policyRoute{}},
		`cannot have continue in root route`:                                            {Route: &policyRoute{Receiver: "root", Continue: true}},
		`unknown unit "x" in duration "5x"`:                                             {Route: child(&policyRoute{GroupWait: "5x"})},
		`repeat_interval cannot be zero`:                                                {Route: child(&policyRoute{RepeatInterval: "0s"})},
		`duplicated label "alertname" in group_by`:                                      {Route: &policyRoute{Receiver: "root", GroupBy: []string{"alertname", "alertname"}}},
		"cannot have wildcard group_by (`...`) and other other labels at the same time": {Route: &policyRoute{Receiver: "root", GroupBy: []string{"...", "alertname"}}},
	} {
		if got := refusal(t, in); got != want {
			t.Errorf("refused with %q, want %q", got, want)
		}
	}
}

func TestFilesAndBadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "request.json")
	if err := os.WriteFile(path, []byte(`{"route": {"receiver": "root"}, "labelSets": [{"a": "b"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runTool(t, "", path)
	if code != 0 || len(out.Matches) != 1 || out.Matches[0].Routes[0].Receiver != "root" {
		t.Fatalf("exit %d %s: %+v", code, stderr, out)
	}
	for input, why := range map[string]string{
		`{"route": {"receiver": "root", "group_wiat": "1m"}, "labelSets": []}`: "a misspelt field",
		`{"labelSets": []}`: "no route",
		`{"route": `:        "truncated JSON",
	} {
		if _, stderr, code := runTool(t, input); code != 2 || stderr == "" {
			t.Errorf("%s: exit %d, stderr %q", why, code, stderr)
		}
	}
	if _, _, code := runTool(t, "", filepath.Join(t.TempDir(), "missing.json")); code != 2 {
		t.Errorf("missing file: exit %d", code)
	}
}
