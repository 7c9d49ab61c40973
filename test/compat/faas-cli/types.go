package main

import "time"

// The OpenFaaS wire types faas-cli 0.16 decodes, declared with the same JSON names and Go types as
// github.com/openfaas/faas-provider/types and .../logs, so encoding/json judges Sluice's answers as
// faas-cli does: a number where a string belongs, a float where a uint64 belongs, a timestamp that is
// not RFC 3339, or a missing pointer faas-cli dereferences all fail here as they would there.

type functionResources struct {
	Memory string `json:"memory,omitempty"`
	CPU    string `json:"cpu,omitempty"`
}

// functionSpec is what a deployment and a status share; embedded, its fields sit at the top level
// of either's JSON, as in OpenFaaS's two types.
type functionSpec struct {
	Image                  string             `json:"image"`
	Namespace              string             `json:"namespace,omitempty"`
	EnvProcess             string             `json:"envProcess,omitempty"`
	EnvVars                map[string]string  `json:"envVars,omitempty"`
	Constraints            []string           `json:"constraints,omitempty"`
	Secrets                []string           `json:"secrets,omitempty"`
	Labels                 *map[string]string `json:"labels,omitempty"`
	Annotations            *map[string]string `json:"annotations,omitempty"`
	Limits                 *functionResources `json:"limits,omitempty"`
	Requests               *functionResources `json:"requests,omitempty"`
	ReadOnlyRootFilesystem bool               `json:"readOnlyRootFilesystem,omitempty"`
}

type functionDeployment struct {
	Service string `json:"service"`
	functionSpec
}

type functionUsage struct {
	CPU              float64 `json:"cpu,omitempty"`
	TotalMemoryBytes float64 `json:"totalMemoryBytes,omitempty"`
}

type functionStatus struct {
	Name string `json:"name"`
	functionSpec
	InvocationCount   float64        `json:"invocationCount,omitempty"`
	Replicas          uint64         `json:"replicas,omitempty"`
	AvailableReplicas uint64         `json:"availableReplicas,omitempty"`
	CreatedAt         time.Time      `json:"createdAt,omitempty"`
	Usage             *functionUsage `json:"usage,omitempty"`
}

type deleteFunctionRequest struct {
	FunctionName string `json:"functionName"`
}

type secret struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Value     string `json:"value,omitempty"`
	RawValue  []byte `json:"rawValue,omitempty"`
}

type logMessage struct {
	Name      string    `json:"name"`
	Namespace string    `json:"namespace"`
	Instance  string    `json:"instance"`
	Timestamp time.Time `json:"timestamp"`
	Text      string    `json:"text"`
}

type versionInfo struct {
	CommitMessage string `json:"commit_message,omitempty"`
	SHA           string `json:"sha"`
	Release       string `json:"release"`
}

type providerInfo struct {
	Name          string       `json:"provider"`
	Version       *versionInfo `json:"version"`
	Orchestration string       `json:"orchestration"`
}

type gatewayInfo struct {
	Provider *providerInfo `json:"provider"`
	Version  *versionInfo  `json:"version"`
	Arch     string        `json:"arch"`
}
