package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The parts of Kubernetes objects the test reads.
type (
	object struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec objectSpec `yaml:"spec"`
	}
	objectSpec struct {
		// Deployment, Job
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
		// Service
		Type  string `yaml:"type"`
		Ports []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		// Service: a flat selector; PodDisruptionBudget: matchLabels (above).
		MaxUnavailable *int `yaml:"maxUnavailable"`
		MinAvailable   *int `yaml:"minAvailable"`
	}
	podSpec struct {
		SecurityContext struct {
			RunAsNonRoot bool `yaml:"runAsNonRoot"`
			RunAsUser    int  `yaml:"runAsUser"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
	}
	container struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom *struct {
				SecretKeyRef struct {
					Name string `yaml:"name"`
					Key  string `yaml:"key"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
	}
	probe struct {
		Exec struct {
			Command []string `yaml:"command"`
		} `yaml:"exec"`
	}
)

// TestKubernetesManifests parses deploy/kubernetes/ward.yaml and checks that its parts fit
// together: the Services and the PodDisruptionBudget select the Deployment's pods, the Services'
// target ports are the container's, the probes ask the health routes through `ward health`, the
// pods run as non-root, the migration Job migrates the same database, and ward accepts the
// configuration the Deployment gives it (`ward config print` with the manifest's environment).
func TestKubernetesManifests(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("kubernetes", "ward.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string][]object{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("ward.yaml: %v", err)
		}
		byKind[o.Kind] = append(byKind[o.Kind], o)
	}
	for kind, n := range map[string]int{"Deployment": 1, "Job": 1, "Service": 2, "PodDisruptionBudget": 1} {
		if len(byKind[kind]) != n {
			t.Fatalf("ward.yaml has %d %s objects, want %d", len(byKind[kind]), kind, n)
		}
	}
	deploy := byKind["Deployment"][0]
	pods := deploy.Spec.Template.Metadata.Labels
	selects := func(what string, sel map[string]string) {
		t.Helper()
		if len(sel) == 0 {
			t.Errorf("%s selects every pod", what)
		}
		for k, v := range sel {
			if pods[k] != v {
				t.Errorf("%s selects %s=%s, which the Deployment's pods do not have (%v)", what, k, v, pods)
			}
		}
	}
	selects("the Deployment", deploy.Spec.Selector.MatchLabels)
	pdb := byKind["PodDisruptionBudget"][0]
	selects("the PodDisruptionBudget", pdb.Spec.Selector.MatchLabels)
	if (pdb.Spec.MaxUnavailable == nil) == (pdb.Spec.MinAvailable == nil) {
		t.Error("the PodDisruptionBudget must set one of maxUnavailable and minAvailable")
	}

	if n := len(deploy.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("the Deployment's pods have %d containers, want 1", n)
	}
	ward := deploy.Spec.Template.Spec.Containers[0]
	ports := map[string]int{}
	for _, p := range ward.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["public"] != 4466 || ports["admin"] != 4467 {
		t.Errorf("the ward container's ports are %v, want public 4466 and admin 4467", ports)
	}
	services := map[string]bool{}
	var rawServices struct {
		Spec struct {
			Selector map[string]string `yaml:"selector"`
		} `yaml:"spec"`
	}
	docs := strings.Split(string(raw), "\n---\n")
	for _, s := range byKind["Service"] {
		if len(s.Spec.Ports) != 1 {
			t.Errorf("Service %s has %d ports, want one: public and admin are separate Services", s.Metadata.Name, len(s.Spec.Ports))
			continue
		}
		p := s.Spec.Ports[0]
		if _, ok := ports[p.TargetPort]; !ok {
			t.Errorf("Service %s targets port %q, which the container does not name", s.Metadata.Name, p.TargetPort)
		}
		services[p.TargetPort] = true
		for _, d := range docs {
			if strings.Contains(d, "name: "+s.Metadata.Name+"\n") && strings.Contains(d, "kind: Service") {
				if err := yaml.Unmarshal([]byte(d), &rawServices); err != nil {
					t.Fatal(err)
				}
				selects("Service "+s.Metadata.Name, rawServices.Spec.Selector)
			}
		}
	}
	if !services["public"] || !services["admin"] {
		t.Errorf("the Services expose %v, want public and admin", slices.Collect(maps.Keys(services)))
	}

	for name, p := range map[string]*probe{"liveness": ward.LivenessProbe, "readiness": ward.ReadinessProbe} {
		want := map[string]string{"liveness": "alive", "readiness": "ready"}[name]
		if p == nil || len(p.Exec.Command) < 3 || p.Exec.Command[0] != "/ward" || p.Exec.Command[1] != "health" || p.Exec.Command[2] != want {
			t.Errorf("the %s probe is %+v, want /ward health %s", name, p, want)
		}
	}
	for _, pod := range []podSpec{deploy.Spec.Template.Spec, byKind["Job"][0].Spec.Template.Spec} {
		if !pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser == 0 {
			t.Errorf("a pod's security context is %+v, want non-root", pod.SecurityContext)
		}
	}
	job := byKind["Job"][0].Spec.Template.Spec.Containers[0]
	if strings.Join(job.Args, " ") != "migrate up" {
		t.Errorf("the Job runs ward %v, want migrate up", job.Args)
	}
	dsnOf := func(c container) string {
		for _, e := range c.Env {
			if e.Name == "WARD_DSN" && e.ValueFrom != nil {
				return e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
			}
		}
		return ""
	}
	if dsnOf(job) == "" || dsnOf(job) != dsnOf(ward) {
		t.Errorf("the Job migrates %q and the Deployment serves %q: want the same Secret's DSN", dsnOf(job), dsnOf(ward))
	}

	// ward itself judges the configuration: the literal values as they are, each Secret's value
	// as a key of the right shape.
	bin := filepath.Join(t.TempDir(), "ward")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/ward").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	key, err := exec.Command(bin, "apikey", "new").Output()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for _, e := range ward.Env {
		v := e.Value
		if e.ValueFrom != nil {
			v = strings.TrimSpace(string(key))
			if e.Name == "WARD_DSN" {
				v = "postgres://ward@postgres:5432/ward?sslmode=require"
			}
		}
		env = append(env, e.Name+"="+v)
	}
	cmd := exec.Command(bin, "config", "print", "-o", "json")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("ward config print with the Deployment's environment: %v\n%s", err, out)
	}
}
