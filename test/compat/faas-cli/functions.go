package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
)

// login validates the credentials with GET /system/functions, then saves them (commands/login.go).
func login(args []string) error {
	f := newFlags("login")
	user := f.String("username", "admin", "")
	f.StringVar(user, "u", "admin", "")
	password := f.String("password", "", "")
	f.StringVar(password, "p", "", "")
	stdin := f.Bool("password-stdin", false, "")
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *stdin {
		text, err := readAll(os.Stdin)
		if err != nil {
			return err
		}
		*password = strings.TrimSpace(string(text))
	}
	if *password == "" {
		return fmt.Errorf("must provide a non-empty password via --password or --password-stdin")
	}
	fmt.Println("Calling the OpenFaaS server to validate the credentials...")
	c := newClient(*f.gateway)
	req, err := http.NewRequest(http.MethodGet, c.gateway+"/system/functions", nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(*user, *password)
	status, body, err := c.do(req)
	if err != nil {
		return err
	}
	switch status {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return fmt.Errorf("unable to login, either username or password is incorrect")
	default:
		return unexpected(status, body)
	}
	if err := saveToken(c.gateway, *user, *password); err != nil {
		return err
	}
	fmt.Printf("credentials saved for %s %s\n", *user, c.gateway)
	return nil
}

// listFunctions is proxy.ListFunctions: GET /system/functions into []FunctionStatus.
func listFunctions(c *client) ([]functionStatus, error) {
	status, body, err := c.call(http.MethodGet, "/system/functions", url.Values{}, nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, unexpected(status, body)
	}
	var functions []functionStatus
	if err := json.Unmarshal(body, &functions); err != nil {
		return nil, fmt.Errorf("cannot parse result from OpenFaaS on URL: %s\n%s", c.gateway, err)
	}
	return functions, nil
}

// list prints the table of commands/list.go, sorted by name, or the names alone with -q.
func list(args []string) error {
	f := newFlags("list")
	quiet := f.Bool("q", false, "")
	verbose := f.Bool("v", false, "")
	if _, err := f.parse(args); err != nil {
		return err
	}
	functions, err := listFunctions(newClient(*f.gateway))
	if err != nil {
		return err
	}
	sort.Slice(functions, func(i, j int) bool { return functions[i].Name < functions[j].Name })
	switch {
	case *quiet:
		for _, fn := range functions {
			fmt.Println(fn.Name)
		}
	case *verbose:
		fmt.Printf("%-30s\t%-30s\t%-15s\t%-5s\n", "Function", "Image", "Invocations", "Replicas")
		for _, fn := range functions {
			fmt.Printf("%-30s\t%-30s\t%-15d\t%-5d\n", fn.Name, fn.Image, int64(fn.InvocationCount), fn.Replicas)
		}
	default:
		fmt.Printf("%-30s\t%-15s\t%-5s\n", "Function", "Invocations", "Replicas")
		for _, fn := range functions {
			fmt.Printf("%-30s\t%-15d\t%-5d\n", fn.Name, int64(fn.InvocationCount), fn.Replicas)
		}
	}
	return nil
}

// describe is commands/describe.go: GET /system/function/NAME, with Ready from availableReplicas.
func describe(args []string) error {
	f := newFlags("describe")
	names, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return fmt.Errorf("please provide a name for the function")
	}
	c := newClient(*f.gateway)
	status, body, err := c.call(http.MethodGet, "/system/function/"+names[0], url.Values{}, nil)
	if err != nil {
		return err
	}
	switch status {
	case http.StatusOK:
	case http.StatusNotFound:
		return fmt.Errorf("no such function: %s", names[0])
	default:
		return unexpected(status, body)
	}
	var fn functionStatus
	if err := json.Unmarshal(body, &fn); err != nil {
		return fmt.Errorf("cannot parse result from OpenFaaS on URL: %s\n%s", c.gateway, err)
	}
	state := "Not Ready"
	if fn.AvailableReplicas > 0 {
		state = "Ready"
	}
	fmt.Printf("%-19s %s\n", "Name:", fn.Name)
	fmt.Printf("%-19s %s\n", "Status:", state)
	fmt.Printf("%-19s %d\n", "Replicas:", fn.Replicas)
	fmt.Printf("%-19s %d\n", "Available Replicas:", fn.AvailableReplicas)
	fmt.Printf("%-19s %d\n", "Invocations:", int64(fn.InvocationCount))
	fmt.Printf("%-19s %s\n", "Image:", fn.Image)
	fmt.Printf("%-19s %s\n", "Function Process:", fn.EnvProcess)
	fmt.Printf("%-19s %s/function/%s\n", "URL:", c.gateway, fn.Name)
	fmt.Printf("%-19s %s/async-function/%s\n", "Async URL:", c.gateway, fn.Name)
	if fn.Labels != nil {
		fmt.Printf("%-19s %s\n", "Labels:", pairsText(*fn.Labels))
	}
	if fn.Annotations != nil {
		fmt.Printf("%-19s %s\n", "Annotations:", pairsText(*fn.Annotations))
	}
	if !fn.CreatedAt.IsZero() {
		fmt.Printf("%-19s %s\n", "Created:", fn.CreatedAt.Format("2006-01-02 15:04:05 -0700 MST"))
	}
	return nil
}

func pairsText(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, key := range keys {
		parts[i] = key + "=" + m[key]
	}
	return strings.Join(parts, ", ")
}

// deploy is proxy.DeployFunction with --image/--name/--fprocess: PUT (the default --update=true),
// and POST when the gateway answers 404 to it; --replace deletes first.
func deploy(args []string) error {
	f := newFlags("deploy")
	image := f.String("image", "", "")
	name := f.String("name", "", "")
	fprocess := f.String("fprocess", "", "")
	update := f.Bool("update", true, "")
	replace := f.Bool("replace", false, "")
	env, labels, annotations := pairs{}, pairs{}, pairs{}
	f.Var(env, "env", "")
	f.Var(env, "e", "")
	f.Var(labels, "label", "")
	f.Var(labels, "l", "")
	f.Var(annotations, "annotation", "")
	var secrets, constraints repeated
	f.Var(&secrets, "secret", "")
	f.Var(&constraints, "constraint", "")
	memoryLimit := f.String("memory-limit", "", "")
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *image == "" || *name == "" {
		return fmt.Errorf("to deploy a function give --yaml/-f or a --image and --name flag")
	}
	// faas-cli's spec keeps the parsed maps and sends pointers to them, so an empty -l list is {}.
	labelMap, annotationMap := map[string]string(labels), map[string]string(annotations)
	spec := functionDeployment{Service: *name, functionSpec: functionSpec{
		Image: *image, EnvProcess: *fprocess, EnvVars: env,
		Constraints: constraints, Secrets: secrets, Labels: &labelMap, Annotations: &annotationMap,
	}}
	if *memoryLimit != "" {
		spec.Limits = &functionResources{Memory: *memoryLimit}
	}
	c := newClient(*f.gateway)
	if *replace {
		_ = deleteFunction(c, *name)
	}
	status, output := deployOnce(c, spec, *update)
	if *update && status == http.StatusNotFound {
		status, output = deployOnce(c, spec, false)
	} else if status == http.StatusOK {
		fmt.Printf("Function %s already exists, attempting rolling-update.\n", *name)
	}
	fmt.Println()
	fmt.Println(output)
	if status < 200 || status > 202 {
		return fmt.Errorf("function '%s' failed to deploy with status code: %d", *name, status)
	}
	return nil
}

func deployOnce(c *client, spec functionDeployment, update bool) (int, string) {
	body, _ := json.Marshal(&spec)
	method := http.MethodPost
	if update {
		method = http.MethodPut
	}
	req, err := c.request(method, "/system/functions", url.Values{}, body)
	if err != nil {
		return http.StatusInternalServerError, err.Error()
	}
	res, err := c.http.Do(req)
	if err != nil {
		return http.StatusInternalServerError, "Is OpenFaaS deployed? Do you need to specify the --gateway flag?\n" + err.Error()
	}
	defer res.Body.Close()
	answer, _ := readAll(res.Body)
	switch res.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted:
		return res.StatusCode, fmt.Sprintf("Deployed. %s.\nURL: %s/function/%s", res.Status, c.gateway, spec.Service)
	case http.StatusUnauthorized:
		return res.StatusCode, "unauthorized access, run \"faas-cli login\" to setup authentication for this server"
	default:
		return res.StatusCode, fmt.Sprintf("Unexpected status: %d, message: %s", res.StatusCode, string(answer))
	}
}

// remove is proxy.DeleteFunction: DELETE /system/functions with {"functionName": NAME}.
func remove(args []string) error {
	f := newFlags("remove")
	names, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return fmt.Errorf("please provide the name of a function to delete")
	}
	fmt.Printf("Deleting: %s.\n", names[0])
	return deleteFunction(newClient(*f.gateway), names[0])
}

func deleteFunction(c *client, name string) error {
	body, _ := json.Marshal(&deleteFunctionRequest{FunctionName: name})
	status, answer, err := c.call(http.MethodDelete, "/system/functions", url.Values{}, body)
	if err != nil {
		return err
	}
	switch status {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted:
		fmt.Println("Removing old function.")
		return nil
	case http.StatusNotFound:
		fmt.Println("No existing function to remove")
		return nil
	default:
		return unexpected(status, answer)
	}
}
