package main

import (
	"fmt"
	tmplhtml "html/template"
	tmpltext "text/template"
	"time"

	"github.com/prometheus/alertmanager/template"
)

// grafanaNamespaces are the functions Grafana adds to Alertmanager's DefaultFuncs for notification
// templates: grafana/alerting's templates/gomplate FuncMap registers CreateCollFuncs, CreateDataFuncs,
// CreateTemplateFuncs and CreateTimeFuncs, each as a `func() any` that returns the namespace (reached as
// coll.Dict, data.ToJSON, tmpl.Exec, time.Now), and templates/template_data.go adds them through its
// addFuncs option. grafana/alerting (AGPL-3.0) is not a dependency here, so only the names and their arity
// (none) are reproduced.
var grafanaNamespaces = []string{"coll", "data", "tmpl", "time"}

// grafanaFuncs is the template.Option grafana/alerting's addFuncs is. A stub lets a template that uses the
// name parse as it does in Grafana; executing it fails, because a made-up result would prove nothing.
func grafanaFuncs(text *tmpltext.Template, html *tmplhtml.Template) {
	stubs := map[string]any{}
	for _, name := range grafanaNamespaces {
		stubs[name] = func() (any, error) {
			return nil, fmt.Errorf("%s is one of Grafana's template functions (grafana/alerting templates/gomplate), stubbed here by name only", name)
		}
	}
	text.Funcs(stubs)
	html.Funcs(stubs)
}

// newTemplateSet builds what grafana/alerting's TemplateDefinition.Validate and fromContent build:
// Alertmanager's template.New with Grafana's functions as an option (DefaultFuncs are added after the
// options and win a clash). The second option keeps the text template, which Alertmanager's Template does
// not expose (Grafana's fork adds a Text() accessor; Grafana's DefaultTemplate captures it the same way).
func newTemplateSet() (*template.Template, *tmpltext.Template, error) {
	var text *tmpltext.Template
	set, err := template.New(grafanaFuncs, func(t *tmpltext.Template, _ *tmplhtml.Template) { text = t })
	return set, text, err
}

// notificationData has the fields and methods of grafana/alerting's templates.ExtendedData (template_data.go),
// the value Grafana executes a contact point's templated fields with; Alertmanager's own template.Data lacks
// the Grafana fields (DashboardURL, SilenceURL...) our templates read, so executing with it would fail.
type notificationData struct {
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"`
	Alerts            alerts            `json:"alerts"`
	GroupLabels       template.KV       `json:"groupLabels"`
	CommonLabels      template.KV       `json:"commonLabels"`
	CommonAnnotations template.KV       `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   *int              `json:"truncatedAlerts,omitempty"`
	Vars              map[string]string `json:"vars"`
}

// alert is grafana/alerting's templates.ExtendedAlert: Alertmanager's template.Alert plus Grafana's links and values.
type alert struct {
	Status        string             `json:"status"`
	Labels        template.KV        `json:"labels"`
	Annotations   template.KV        `json:"annotations"`
	StartsAt      time.Time          `json:"startsAt"`
	EndsAt        time.Time          `json:"endsAt"`
	GeneratorURL  string             `json:"generatorURL"`
	Fingerprint   string             `json:"fingerprint"`
	SilenceURL    string             `json:"silenceURL"`
	DashboardURL  string             `json:"dashboardURL"`
	PanelURL      string             `json:"panelURL"`
	Values        map[string]float64 `json:"values"`
	ValueString   string             `json:"valueString"`
	ImageURL      string             `json:"imageURL,omitempty"`
	EmbeddedImage string             `json:"embeddedImage,omitempty"`
	OrgID         *int64             `json:"orgId,omitempty"`
}

type alerts []alert

// Firing and Resolved are ExtendedAlerts' methods, which templates call as `.Alerts.Firing`.
func (as alerts) Firing() []alert   { return as.withStatus("firing") }
func (as alerts) Resolved() []alert { return as.withStatus("resolved") }

func (as alerts) withStatus(status string) []alert {
	matching := []alert{}
	for _, a := range as {
		if a.Status == status {
			matching = append(matching, a)
		}
	}
	return matching
}
