// Command profileproducers runs the two producers behind Grafana's traces → profiles link and prints, as JSON,
// exactly what they write:
//   - github.com/grafana/otel-profiling-go wrapped around the OpenTelemetry SDK's TracerProvider: a root span
//     and a child span, with the attributes each ends with (from an in-memory span recorder), the resource
//     they carry, and the pprof labels the integration puts on the context and the goroutine;
//   - github.com/grafana/pyroscope-go's profiler, uploading to a capture server in this process: each request
//     (path, query), its `name` parsed by Pyroscope's own parser (github.com/grafana/pyroscope/api
//     model/labelset, what the server's /ingest handler calls), and the uploaded pprof: sample types, period
//     type and every sample's labels and the functions of this program on its stack.
//
// Each span burns CPU in its own function, so a sample's stack tells which span it was taken in.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/pprof/profile"
	otelpyroscope "github.com/grafana/otel-profiling-go"
	"github.com/grafana/pyroscope-go"
	"github.com/grafana/pyroscope/api/model/labelset"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// The producer modules whose versions the report names (from the binary's build information).
var producerModules = []string{
	"github.com/grafana/otel-profiling-go",
	"github.com/grafana/pyroscope-go",
	"go.opentelemetry.io/otel/sdk",
	"github.com/grafana/pyroscope/api",
}

type report struct {
	// Modules maps each producer module to the version built into this binary.
	Modules map[string]string `json:"modules"`
	// Spans in start order: the local root first.
	Spans   []spanReport   `json:"spans"`
	Uploads []uploadReport `json:"uploads"`
}

type spanReport struct {
	Name         string `json:"name"`
	TraceID      string `json:"traceId"`
	SpanID       string `json:"spanId"`
	ParentSpanID string `json:"parentSpanId"`
	// Attributes as the span ended with them (string form of each value).
	Attributes map[string]string `json:"attributes"`
	Resource   map[string]string `json:"resource"`
	// GoroutineLabels are the pprof labels on the context Start returned (runtime/pprof ForLabels); the
	// integration also sets them on the goroutine, so the CPU profiler records them on samples.
	GoroutineLabels map[string]string `json:"goroutineLabels"`
	// Work is the function of this program that burned CPU while the span was current.
	Work string `json:"work"`
}

type uploadReport struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Query  map[string]string `json:"query"`
	// Name is the `name` query parameter as Pyroscope's labelset.Parse reads it.
	Name nameReport `json:"name"`
	// SampleTypeConfig is the multipart part of that name, when the SDK sent one (null otherwise).
	SampleTypeConfig json.RawMessage `json:"sampleTypeConfig"`
	Profile          profileReport   `json:"profile"`
}

type nameReport struct {
	ServiceName string            `json:"serviceName"`
	Labels      map[string]string `json:"labels"`
}

type valueType struct {
	Type string `json:"type"`
	Unit string `json:"unit"`
}

type profileReport struct {
	SampleTypes []valueType    `json:"sampleTypes"`
	PeriodType  *valueType     `json:"periodType"`
	Period      int64          `json:"period"`
	Samples     []sampleReport `json:"samples"`
}

type sampleReport struct {
	Values []int64 `json:"values"`
	// Labels are the sample's string labels (pprof `label` entries).
	Labels map[string]string `json:"labels"`
	// Functions of package main on the sample's stack, leaf first.
	Functions []string `json:"functions"`
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run returns 0 when both producers ran and at least one upload was captured, 1 when they did not, 2 for bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("profileproducers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	app := fs.String("app", "checkout", "the application: pyroscope-go's ApplicationName and the spans' service.name")
	work := fs.Duration("cpu", 300*time.Millisecond, "CPU time each span burns (the profiler samples at 100 Hz)")
	wallLimit := fs.Duration("wall-limit", 30*time.Second, "the most wall time each span may take to burn its CPU time")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: profileproducers [-app NAME] [-cpu DURATION] [-wall-limit DURATION]")
		return 2
	}
	out, err := produce(*app, *work, *wallLimit)
	if err != nil {
		fmt.Fprintln(stderr, "profileproducers:", err)
		return 1
	}
	encoder := json.NewEncoder(stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(out); err != nil {
		fmt.Fprintln(stderr, "profileproducers:", err)
		return 1
	}
	return 0
}

func produce(app string, work, wallLimit time.Duration) (*report, error) {
	capture := &captureServer{}
	server := httptest.NewServer(capture)
	defer server.Close()

	profiler, err := pyroscope.Start(pyroscope.Config{
		ApplicationName: app,
		ServerAddress:   server.URL,
		ProfileTypes:    []pyroscope.ProfileType{pyroscope.ProfileCPU},
		// Longer than the run: the one CPU upload is the flush below, with both spans' samples in it.
		UploadRate: time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("pyroscope.Start: %w", err)
	}

	recorder := tracetest.NewSpanRecorder()
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", app)))
	if err != nil {
		return nil, fmt.Errorf("resource: %w", err)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder), sdktrace.WithResource(res))
	tracer := otelpyroscope.NewTracerProvider(sdk).Tracer("profileproducers")

	labels := map[string]map[string]string{}
	works := map[string]string{}
	ctx, root := tracer.Start(context.Background(), "GET /checkout", trace.WithSpanKind(trace.SpanKindServer))
	rootID := root.SpanContext().SpanID().String()
	labels[rootID] = contextLabels(ctx)
	works[rootID] = "main.checkoutWork"
	checkoutWork(work, wallLimit)

	childCtx, child := tracer.Start(ctx, "charge card", trace.WithSpanKind(trace.SpanKindClient))
	childID := child.SpanContext().SpanID().String()
	labels[childID] = contextLabels(childCtx)
	works[childID] = "main.chargeCardWork"
	chargeCardWork(work, wallLimit)
	child.End()
	root.End()

	profiler.Flush(true)
	if err := profiler.Stop(); err != nil {
		return nil, fmt.Errorf("profiler.Stop: %w", err)
	}
	if err := sdk.Shutdown(context.Background()); err != nil {
		return nil, fmt.Errorf("tracer provider shutdown: %w", err)
	}

	out := &report{Modules: moduleVersions()}
	ended := recorder.Ended()
	sort.Slice(ended, func(i, j int) bool { return ended[i].StartTime().Before(ended[j].StartTime()) })
	for _, span := range ended {
		id := span.SpanContext().SpanID().String()
		parent := ""
		if span.Parent().IsValid() {
			parent = span.Parent().SpanID().String()
		}
		out.Spans = append(out.Spans, spanReport{
			Name:            span.Name(),
			TraceID:         span.SpanContext().TraceID().String(),
			SpanID:          id,
			ParentSpanID:    parent,
			Attributes:      attributeMap(span.Attributes()),
			Resource:        attributeMap(span.Resource().Attributes()),
			GoroutineLabels: labels[id],
			Work:            works[id],
		})
	}
	uploads, failures := capture.results()
	if len(failures) > 0 {
		return nil, fmt.Errorf("capture server: %s", strings.Join(failures, "; "))
	}
	if len(uploads) == 0 {
		return nil, errors.New("pyroscope-go uploaded nothing")
	}
	out.Uploads = uploads
	return out, nil
}

// checkoutWork and chargeCardWork burn CPU under their own names, so samples show which span was current.
//
//go:noinline
func checkoutWork(cpu, wallLimit time.Duration) { burn(cpu, wallLimit) }

//go:noinline
func chargeCardWork(cpu, wallLimit time.Duration) { burn(cpu, wallLimit) }

var sink uint64

// burn spins until the process has used `cpu` more CPU time (on a loaded machine that takes longer than `cpu`
// of wall time), or wallLimit has passed.
//
//go:noinline
func burn(cpu, wallLimit time.Duration) {
	start, deadline := processCPUTime(), time.Now().Add(wallLimit)
	x := sink
	for processCPUTime()-start < cpu && time.Now().Before(deadline) {
		for i := 0; i < 100000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	sink = x
}

func processCPUTime() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		panic(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

func contextLabels(ctx context.Context) map[string]string {
	found := map[string]string{}
	pprof.ForLabels(ctx, func(key, value string) bool {
		found[key] = value
		return true
	})
	return found
}

func attributeMap(attributes []attribute.KeyValue) map[string]string {
	found := make(map[string]string, len(attributes))
	for _, kv := range attributes {
		found[string(kv.Key)] = kv.Value.Emit()
	}
	return found
}

func moduleVersions() map[string]string {
	versions := map[string]string{}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return versions
	}
	for _, dep := range info.Deps {
		for _, path := range producerModules {
			if dep.Path == path {
				versions[path] = dep.Version
			}
		}
	}
	return versions
}

// captureServer answers every request with 200 and keeps what was sent, decoded.
type captureServer struct {
	mu       sync.Mutex
	uploads  []uploadReport
	failures []string
}

func (c *captureServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	upload, err := decodeUpload(r)
	c.mu.Lock()
	if err != nil {
		c.failures = append(c.failures, fmt.Sprintf("%s %s: %v", r.Method, r.URL.Path, err))
	} else {
		c.uploads = append(c.uploads, upload)
	}
	c.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

func (c *captureServer) results() ([]uploadReport, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]uploadReport(nil), c.uploads...), append([]string(nil), c.failures...)
}

func decodeUpload(r *http.Request) (uploadReport, error) {
	upload := uploadReport{Method: r.Method, Path: r.URL.Path, Query: map[string]string{}}
	for key, values := range r.URL.Query() {
		upload.Query[key] = strings.Join(values, ",")
	}
	name, err := labelset.Parse(r.URL.Query().Get("name"))
	if err != nil {
		return upload, fmt.Errorf("name: %w", err)
	}
	upload.Name = nameReport{ServiceName: name.ServiceName(), Labels: name.Labels()}

	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return upload, fmt.Errorf("multipart form: %w", err)
	}
	profileBytes, err := formFile(r, "profile")
	if err != nil {
		return upload, err
	}
	if profileBytes == nil {
		return upload, errors.New("no profile part")
	}
	if config, err := formFile(r, "sample_type_config"); err != nil {
		return upload, err
	} else if config != nil {
		upload.SampleTypeConfig = config
	}
	parsed, err := profile.ParseData(profileBytes)
	if err != nil {
		return upload, fmt.Errorf("pprof: %w", err)
	}
	upload.Profile = profileSummary(parsed)
	return upload, nil
}

func formFile(r *http.Request, field string) ([]byte, error) {
	file, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("form part %s: %w", field, err)
	}
	defer file.Close()
	return io.ReadAll(file)
}

func profileSummary(p *profile.Profile) profileReport {
	summary := profileReport{Period: p.Period, Samples: []sampleReport{}}
	for _, st := range p.SampleType {
		summary.SampleTypes = append(summary.SampleTypes, valueType{Type: st.Type, Unit: st.Unit})
	}
	if p.PeriodType != nil {
		summary.PeriodType = &valueType{Type: p.PeriodType.Type, Unit: p.PeriodType.Unit}
	}
	for _, s := range p.Sample {
		sample := sampleReport{Values: s.Value, Labels: map[string]string{}, Functions: []string{}}
		for key, values := range s.Label {
			sample.Labels[key] = strings.Join(values, ",")
		}
		for _, location := range s.Location {
			for _, line := range location.Line {
				if line.Function != nil && strings.HasPrefix(line.Function.Name, "main.") {
					sample.Functions = append(sample.Functions, line.Function.Name)
				}
			}
		}
		summary.Samples = append(summary.Samples, sample)
	}
	return summary
}
