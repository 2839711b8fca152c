// Command netflows answers "is this connection allowed?" for a set of
// networking.k8s.io/v1 NetworkPolicies, using cyclonus's policy matcher.
//
// Usage: netflows FILE|-   (see README.md for the JSON contract)
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"
)

// nsNameLabel is set by the API server on every Namespace (immutable, since 1.21).
const nsNameLabel = "kubernetes.io/metadata.name"

type input struct {
	Policies []json.RawMessage `json:"policies"`
	Queries  []json.RawMessage `json:"queries"`
}

type peer struct {
	Namespace       string            `json:"namespace,omitempty"`
	NamespaceLabels map[string]string `json:"namespaceLabels,omitempty"`
	PodLabels       map[string]string `json:"podLabels,omitempty"`
	IP              string            `json:"ip,omitempty"`
}

type query struct {
	ID       string `json:"id"`
	From     peer   `json:"from"`
	To       peer   `json:"to"`
	Port     int    `json:"port,omitempty"`
	PortName string `json:"portName,omitempty"`
	Protocol string `json:"protocol,omitempty"`
}

type result struct {
	ID             string `json:"id"`
	Allowed        bool   `json:"allowed"`
	IngressAllowed bool   `json:"ingressAllowed"`
	EgressAllowed  bool   `json:"egressAllowed"`
	// *Policies: policies selecting the pod in that direction whose rules admit the connection.
	IngressPolicies []string `json:"ingressPolicies"`
	EgressPolicies  []string `json:"egressPolicies"`
	// *IsolatingPolicies: policies selecting the pod in that direction whose rules do not admit it.
	IngressIsolatingPolicies []string `json:"ingressIsolatingPolicies"`
	EgressIsolatingPolicies  []string `json:"egressIsolatingPolicies"`
}

type output struct {
	Results []result `json:"results"`
}

// strict decodes like the API server: case-sensitive, unknown and duplicate fields are errors.
func strict(data []byte, v any) error {
	strictErrs, err := sigsjson.UnmarshalStrict(data, v, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}

func decodePolicy(raw []byte, warn io.Writer) (*networkingv1.NetworkPolicy, error) {
	np := &networkingv1.NetworkPolicy{}
	if err := strict(raw, np); err != nil {
		return nil, err
	}
	if np.APIVersion != "networking.k8s.io/v1" || np.Kind != "NetworkPolicy" {
		return nil, fmt.Errorf("want apiVersion networking.k8s.io/v1 kind NetworkPolicy, got %q %q", np.APIVersion, np.Kind)
	}
	if np.Name == "" || np.Namespace == "" {
		return nil, errors.New("metadata.name and metadata.namespace are required")
	}
	// API server defaulting (pkg/apis/networking/v1/defaults.go); cyclonus panics on empty policyTypes.
	if len(np.Spec.PolicyTypes) == 0 {
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) > 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
	peers := []networkingv1.NetworkPolicyPeer{{PodSelector: &np.Spec.PodSelector}}
	for _, r := range np.Spec.Ingress {
		peers = append(peers, r.From...)
	}
	for _, r := range np.Spec.Egress {
		peers = append(peers, r.To...)
	}
	// cyclonus only fails on bad selectors and CIDRs when a query reaches them: check up front.
	for _, p := range peers {
		for _, sel := range []*metav1.LabelSelector{p.PodSelector, p.NamespaceSelector} {
			if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
				return nil, err
			}
			warnAbsentKey(warn, np, sel)
		}
		if p.IPBlock == nil && p.PodSelector == nil && p.NamespaceSelector == nil { // cyclonus reads {} as "own namespace"
			return nil, errors.New("a from/to peer must set podSelector, namespaceSelector or ipBlock")
		}
		if p.IPBlock == nil {
			continue
		}
		if p.PodSelector != nil || p.NamespaceSelector != nil { // cyclonus misses this
			return nil, errors.New("a peer may not have ipBlock together with podSelector/namespaceSelector")
		}
		for _, cidr := range append([]string{p.IPBlock.CIDR}, p.IPBlock.Except...) {
			if _, _, err := net.ParseCIDR(cidr); err != nil {
				return nil, err
			}
		}
	}
	return np, catch(func() { matcher.BuildTarget(np) }) // structural checks (peer shape, port ranges)
}

// warnAbsentKey flags the two selector forms where cyclonus and Kubernetes disagree
// about an object that lacks the key: NotIn (k8s: matches; cyclonus: does not) and
// matchLabels {key: ""} (k8s: does not match; cyclonus: matches).
func warnAbsentKey(warn io.Writer, np *networkingv1.NetworkPolicy, sel *metav1.LabelSelector) {
	if sel == nil {
		return
	}
	for k, v := range sel.MatchLabels {
		if v == "" {
			fmt.Fprintf(warn, "netflows: warning: %s/%s: matchLabels %s: \"\" also matches objects without %s in cyclonus\n", np.Namespace, np.Name, k, k)
		}
	}
	for _, e := range sel.MatchExpressions {
		if e.Operator == metav1.LabelSelectorOpNotIn {
			fmt.Fprintf(warn, "netflows: warning: %s/%s: %s NotIn does not match objects without %s in cyclonus (Kubernetes matches them)\n", np.Namespace, np.Name, e.Key, e.Key)
		}
	}
}

// catch turns a cyclonus panic into an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

func toPeer(p peer, side string) (*matcher.TrafficPeer, error) {
	if p.IP != "" && net.ParseIP(p.IP) == nil {
		return nil, fmt.Errorf("%s.ip %q is not an IP address", side, p.IP)
	}
	if p.Namespace == "" {
		if p.IP == "" || p.PodLabels != nil || p.NamespaceLabels != nil {
			return nil, fmt.Errorf("%s has no namespace, so it is external and needs ip (and only ip)", side)
		}
		return &matcher.TrafficPeer{IP: p.IP}, nil
	}
	nsLabels := map[string]string{}
	for k, v := range p.NamespaceLabels {
		nsLabels[k] = v
	}
	if v, ok := nsLabels[nsNameLabel]; ok && v != p.Namespace {
		return nil, fmt.Errorf("%s.namespaceLabels[%s]=%q contradicts namespace %q", side, nsNameLabel, v, p.Namespace)
	}
	nsLabels[nsNameLabel] = p.Namespace
	return &matcher.TrafficPeer{IP: p.IP, Internal: &matcher.InternalPeer{
		Namespace: p.Namespace, NamespaceLabels: nsLabels, PodLabels: p.PodLabels}}, nil
}

func toTraffic(q query) (*matcher.Traffic, error) {
	proto := corev1.Protocol(q.Protocol)
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	if proto != corev1.ProtocolTCP && proto != corev1.ProtocolUDP && proto != corev1.ProtocolSCTP {
		return nil, fmt.Errorf("protocol %q is not TCP, UDP or SCTP", q.Protocol)
	}
	if q.Port < 0 || q.Port > 65535 || (q.Port == 0 && q.PortName == "") {
		return nil, errors.New("needs port 1-65535 and/or portName")
	}
	src, err := toPeer(q.From, "from")
	if err != nil {
		return nil, err
	}
	dst, err := toPeer(q.To, "to")
	if err != nil {
		return nil, err
	}
	return &matcher.Traffic{Source: src, Destination: dst, ResolvedPort: q.Port, ResolvedPortName: q.PortName, Protocol: proto}, nil
}

func run(in io.Reader, out, warn io.Writer) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	var doc input
	if err := strict(data, &doc); err != nil {
		return fmt.Errorf("input document: %w", err)
	}
	policies := make([]*networkingv1.NetworkPolicy, len(doc.Policies))
	single := make([]*matcher.Policy, len(doc.Policies)) // one per policy, for attribution
	seen := map[string]bool{}
	for i, raw := range doc.Policies {
		if policies[i], err = decodePolicy(raw, warn); err != nil {
			return fmt.Errorf("policy %d: %w", i, err)
		}
		key := policies[i].Namespace + "/" + policies[i].Name
		if seen[key] {
			return fmt.Errorf("policy %d: duplicate %s", i, key)
		}
		seen[key] = true
		single[i] = matcher.BuildNetworkPolicies(false, policies[i:i+1])
	}
	all := matcher.BuildNetworkPolicies(false, policies)

	res := output{Results: []result{}}
	for i, raw := range doc.Queries {
		var q query
		if err := strict(raw, &q); err != nil {
			return fmt.Errorf("query %d (id %q): %w", i, q.ID, err)
		}
		if q.ID == "" || seen["query "+q.ID] {
			return fmt.Errorf("query %d: id %q is empty or repeated", i, q.ID)
		}
		seen["query "+q.ID] = true
		tr, err := toTraffic(q)
		if err != nil {
			return fmt.Errorf("query %q: %w", q.ID, err)
		}
		r := result{ID: q.ID, IngressPolicies: []string{}, EgressPolicies: []string{},
			IngressIsolatingPolicies: []string{}, EgressIsolatingPolicies: []string{}}
		err = catch(func() {
			verdict := all.IsTrafficAllowed(tr)
			r.Allowed, r.IngressAllowed, r.EgressAllowed = verdict.IsAllowed(), verdict.Ingress.IsAllowed(), verdict.Egress.IsAllowed()
			for j, p := range single {
				name := policies[j].Namespace + "/" + policies[j].Name
				one := p.IsTrafficAllowed(tr)
				r.IngressPolicies = appendIf(r.IngressPolicies, len(one.Ingress.AllowingTargets) > 0, name)
				r.IngressIsolatingPolicies = appendIf(r.IngressIsolatingPolicies, len(one.Ingress.DenyingTargets) > 0, name)
				r.EgressPolicies = appendIf(r.EgressPolicies, len(one.Egress.AllowingTargets) > 0, name)
				r.EgressIsolatingPolicies = appendIf(r.EgressIsolatingPolicies, len(one.Egress.DenyingTargets) > 0, name)
			}
		})
		if err != nil { // e.g. an ipBlock rule met a pod peer given without ip
			return fmt.Errorf("query %q: analyzer: %w", q.ID, err)
		}
		res.Results = append(res.Results, r)
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

func appendIf(s []string, cond bool, v string) []string {
	if cond {
		return append(s, v)
	}
	return s
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: netflows FILE|-")
		os.Exit(2)
	}
	in, err := os.Stdin, error(nil)
	if os.Args[1] != "-" {
		in, err = os.Open(os.Args[1])
	}
	if err == nil {
		err = run(in, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "netflows:", err)
		os.Exit(2)
	}
}
