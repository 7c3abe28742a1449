// Package deploy holds the Kubernetes manifests of predict serve and of
// the sharded batch job; its test
// decodes each one strictly into the Kubernetes API types, so that a typo
// or a misplaced field fails before a cluster sees it. It is a module of
// its own so that the main module does not depend on k8s.io/api.
package deploy

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// The KServe kinds, as far as these manifests use them (KServe's Go types
// would pull in its controllers).
type servingRuntime struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Annotations           map[string]string `json:"annotations"`
		SupportedModelFormats []struct {
			Name       string `json:"name"`
			Version    string `json:"version"`
			AutoSelect *bool  `json:"autoSelect"`
		} `json:"supportedModelFormats"`
		ProtocolVersions []string           `json:"protocolVersions"`
		Containers       []corev1.Container `json:"containers"`
	} `json:"spec"`
}

type inferenceService struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Predictor struct {
			Model struct {
				ModelFormat struct {
					Name string `json:"name"`
				} `json:"modelFormat"`
				Runtime         string `json:"runtime"`
				ProtocolVersion string `json:"protocolVersion"`
				StorageURI      string `json:"storageUri"`
			} `json:"model"`
		} `json:"predictor"`
	} `json:"spec"`
}

// decode reads one manifest strictly: unknown and duplicate fields fail.
func decode(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("\n---")) {
		t.Fatalf("%s: one object per file", path)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// The endpoints predict serve has; probes must use these.
var endpoints = map[string]bool{"/v2/health/live": true, "/v2/health/ready": true}

// flagValue is the value of --name=value in args.
func flagValue(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

func checkProbe(t *testing.T, where string, p *corev1.Probe, want string, ports map[string]int32) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s: no HTTP probe", where)
		return
	}
	if p.HTTPGet.Path != want || !endpoints[p.HTTPGet.Path] {
		t.Errorf("%s: probe path %q, want %q", where, p.HTTPGet.Path, want)
	}
	if port := resolve(p.HTTPGet.Port, ports); port != 8080 {
		t.Errorf("%s: probe port %v is not the HTTP port 8080", where, p.HTTPGet.Port)
	}
}

func resolve(p intstr.IntOrString, named map[string]int32) int32 {
	if p.Type == intstr.String {
		return named[p.StrVal]
	}
	return p.IntVal
}

func TestDeployment(t *testing.T) {
	var d appsv1.Deployment
	decode(t, filepath.Join("kubernetes", "deployment.yaml"), &d)
	if d.Kind != "Deployment" || d.APIVersion != "apps/v1" {
		t.Fatalf("kind %s/%s", d.APIVersion, d.Kind)
	}
	pod := d.Spec.Template
	for k, v := range d.Spec.Selector.MatchLabels {
		if pod.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod's labels", k, v)
		}
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if flagValue(c.Args, "http-port") != "8080" || flagValue(c.Args, "grpc-port") != "8081" || ports["http"] != 8080 || ports["grpc"] != 8081 {
		t.Errorf("ports %v do not match the args %v", ports, c.Args)
	}
	checkProbe(t, "readiness", c.ReadinessProbe, "/v2/health/ready", ports)
	checkProbe(t, "startup", c.StartupProbe, "/v2/health/ready", ports)
	checkProbe(t, "liveness", c.LivenessProbe, "/v2/health/live", ports)
	if a := pod.Annotations; a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != "8080" || a["prometheus.io/path"] != "/metrics" {
		t.Errorf("prometheus annotations %v", a)
	}
	// The pod must outlive the drain: grace window, then the shutdown.
	grace, shutdown := seconds(t, flagValue(c.Args, "drain-grace")), seconds(t, flagValue(c.Args, "shutdown-timeout"))
	if tg := pod.Spec.TerminationGracePeriodSeconds; tg == nil || float64(*tg) <= shutdown || shutdown <= grace {
		t.Errorf("terminationGracePeriodSeconds %v must exceed --shutdown-timeout %gs, itself above --drain-grace %gs", tg, shutdown, grace)
	}
	if flagValue(c.Args, "model") != c.VolumeMounts[0].MountPath {
		t.Errorf("--model %s is not the mounted volume %s", flagValue(c.Args, "model"), c.VolumeMounts[0].MountPath)
	}
}

// seconds reads a Go duration of whole or fractional seconds ("5s").
func seconds(t *testing.T, d string) float64 {
	t.Helper()
	v, ok := strings.CutSuffix(d, "s")
	var f float64
	if !ok {
		t.Fatalf("duration %q: want seconds", d)
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			t.Fatalf("duration %q: want whole seconds", d)
		}
		f = 10*f + float64(c-'0')
	}
	return f
}

func TestService(t *testing.T) {
	var s corev1.Service
	decode(t, filepath.Join("kubernetes", "service.yaml"), &s)
	var d appsv1.Deployment
	decode(t, filepath.Join("kubernetes", "deployment.yaml"), &d)
	for k, v := range s.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("service selector %s=%s selects no pod of the deployment", k, v)
		}
	}
	named := map[string]bool{}
	for _, p := range d.Spec.Template.Spec.Containers[0].Ports {
		named[p.Name] = true
	}
	for _, p := range s.Spec.Ports {
		if !named[p.TargetPort.StrVal] {
			t.Errorf("service port %s targets %v, not a container port", p.Name, p.TargetPort)
		}
	}
}

func TestKServe(t *testing.T) {
	var rt servingRuntime
	decode(t, filepath.Join("kserve", "servingruntime.yaml"), &rt)
	if rt.Kind != "ServingRuntime" || rt.APIVersion != "serving.kserve.io/v1alpha1" {
		t.Fatalf("kind %s/%s", rt.APIVersion, rt.Kind)
	}
	c := rt.Spec.Containers[0]
	if c.Name != "kserve-container" || flagValue(c.Args, "model") != "/mnt/models" {
		t.Errorf("container %s, args %v: KServe runs kserve-container with the model at /mnt/models", c.Name, c.Args)
	}
	checkProbe(t, "readiness", c.ReadinessProbe, "/v2/health/ready", nil)
	checkProbe(t, "liveness", c.LivenessProbe, "/v2/health/live", nil)

	var is inferenceService
	decode(t, filepath.Join("kserve", "inferenceservice.yaml"), &is)
	m := is.Spec.Predictor.Model
	if m.Runtime != rt.Metadata.Name || m.ModelFormat.Name != rt.Spec.SupportedModelFormats[0].Name || m.ProtocolVersion != "v2" {
		t.Errorf("the InferenceService (runtime %s, format %s, protocol %s) does not select the runtime %s", m.Runtime, m.ModelFormat.Name, m.ProtocolVersion, rt.Metadata.Name)
	}
}

// The exit codes of predict (predict -h) that the Jobs' failure policies
// act on.
const (
	exitFatal = 2  // nothing could run: a retry cannot help
	exitRetry = 75 // storage unreachable, device lost
)

func TestBatchJob(t *testing.T) {
	var j batchv1.Job
	decode(t, filepath.Join("batch", "job.yaml"), &j)
	if j.Kind != "Job" || j.APIVersion != "batch/v1" {
		t.Fatalf("kind %s/%s", j.APIVersion, j.Kind)
	}
	s := j.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion || s.Completions == nil {
		t.Fatal("not an Indexed Job with completions")
	}
	c := s.Template.Spec.Containers[0]
	if want := "auto/" + strconv.Itoa(int(*s.Completions)); flagValue(c.Args, "shard") != want {
		t.Errorf("--shard %q, want %q: one shard per completion index", flagValue(c.Args, "shard"), want)
	}
	if s.Parallelism == nil || *s.Parallelism > *s.Completions {
		t.Errorf("parallelism %v above completions %d", s.Parallelism, *s.Completions)
	}
	if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex < 1 {
		t.Error("no backoffLimitPerIndex: a pod lost for the infrastructure's sake is not retried")
	}
	if s.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Error("podFailurePolicy needs restartPolicy Never")
	}
	out := flagValue(c.Args, "output")
	if !strings.Contains(out, "$(JOB_COMPLETION_INDEX)") || !slices.Contains(c.Args, "--resume") {
		t.Errorf("--output %q: one output per index, resumed by the pod that replaces a lost one", out)
	}
	named := false
	for _, e := range c.Env {
		named = named || e.Name == "JOB_COMPLETION_INDEX"
	}
	if !named {
		t.Error("JOB_COMPLETION_INDEX is not in the container's env, so $(JOB_COMPLETION_INDEX) in args does not expand")
	}
	checkFailurePolicy(t, s.PodFailurePolicy, c.Name, batchv1.PodFailurePolicyActionFailIndex)

	var m batchv1.Job
	decode(t, filepath.Join("batch", "merge-job.yaml"), &m)
	mc := m.Spec.Template.Spec.Containers[0]
	if len(mc.Args) == 0 || mc.Args[0] != "merge" {
		t.Fatalf("the merge job runs %v, not predict merge", mc.Args)
	}
	if prefix := out[:strings.LastIndex(out, "/")+1]; mc.Args[len(mc.Args)-1] != prefix {
		t.Errorf("the merge reads %s, the shards write under %s", mc.Args[len(mc.Args)-1], prefix)
	}
	if strings.HasPrefix(flagValue(mc.Args, "output"), mc.Args[len(mc.Args)-1]) {
		t.Error("the merged output is under the shards' prefix: a rerun of the merge would read it as a shard")
	}
	checkFailurePolicy(t, m.Spec.PodFailurePolicy, mc.Name, batchv1.PodFailurePolicyActionFailJob)
}

// checkFailurePolicy: the fatal code ends at once, disruptions are
// ignored, and the retry code is left to count against the backoff limit.
func checkFailurePolicy(t *testing.T, p *batchv1.PodFailurePolicy, container string, fatal batchv1.PodFailurePolicyAction) {
	t.Helper()
	if p == nil {
		t.Fatal("no podFailurePolicy")
	}
	var fails, ignoresDisruption bool
	for _, r := range p.Rules {
		if e := r.OnExitCodes; e != nil {
			if e.ContainerName == nil || *e.ContainerName != container || e.Operator != batchv1.PodFailurePolicyOnExitCodesOpIn {
				t.Errorf("rule %v: want operator In on container %s", r, container)
			}
			if r.Action == fatal && slices.Contains(e.Values, exitFatal) {
				fails = true
			}
			if slices.Contains(e.Values, exitRetry) {
				t.Errorf("exit %d (worth retrying) has rule %s; it must count against the backoff limit", exitRetry, r.Action)
			}
		}
		for _, c := range r.OnPodConditions {
			ignoresDisruption = ignoresDisruption || c.Type == corev1.DisruptionTarget && r.Action == batchv1.PodFailurePolicyActionIgnore
		}
	}
	if !fails || !ignoresDisruption {
		t.Errorf("podFailurePolicy: %s on exit %d %v, Ignore on DisruptionTarget %v", fatal, exitFatal, fails, ignoresDisruption)
	}
}
