package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }

// invoke is proxy.InvokeFunction: stdin to /function/NAME (or /async-function/NAME with --async),
// Content-Type text/plain unless given, -H and --query pairs, no admin credentials (faas-cli keeps
// them from functions). A sync call wants 200, an async one 202.
func invoke(args []string) error {
	f := newFlags("invoke")
	async := f.Bool("async", false, "")
	f.BoolVar(async, "a", false, "")
	contentType := f.String("content-type", "text/plain", "")
	method := f.String("method", http.MethodPost, "")
	headers, query := pairs{}, pairs{}
	f.Var(headers, "header", "")
	f.Var(headers, "H", "")
	f.Var(query, "query", "")
	names, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return fmt.Errorf("please provide a name for the function")
	}
	input, err := readAll(os.Stdin)
	if err != nil {
		return err
	}
	route := "/function/"
	if *async {
		route = "/async-function/"
	}
	target := strings.TrimRight(*f.gateway, "/") + route + names[0]
	if len(query) > 0 {
		values := url.Values{}
		for key, value := range query {
			values.Add(key, value)
		}
		target += "?" + values.Encode()
	}
	req, err := http.NewRequest(*method, target, bytes.NewReader(input))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", *contentType)
	for key, value := range headers {
		req.Header.Add(key, value)
	}
	status, body, err := (&client{gateway: *f.gateway, http: &http.Client{}}).do(req)
	if err != nil {
		return err
	}
	switch {
	case status == http.StatusAccepted && *async:
		fmt.Fprintf(os.Stderr, "Function submitted asynchronously.\n")
	case status == http.StatusOK:
		os.Stdout.Write(body)
	default:
		return fmt.Errorf("Server returned unexpected status code: %d - %s", status, string(body))
	}
	return nil
}

// logs is proxy.GetLogs: GET /system/logs?name=&follow=&tail=&since=, NDJSON decoded message by
// message into logs.Message, printed in faas-cli's plain layout.
func logs(args []string) error {
	f := newFlags("logs")
	follow := f.Bool("tail", true, "")
	lines := f.Int("lines", -1, "")
	since := f.Duration("since", 0, "")
	instance := f.String("instance", "", "")
	names, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return fmt.Errorf("function name is required")
	}
	query := url.Values{}
	query.Add("name", names[0])
	query.Add("follow", strconv.FormatBool(*follow))
	if *instance != "" {
		query.Add("instance", *instance)
	}
	if *since != 0 {
		query.Add("since", time.Now().Add(-*since).Format(time.RFC3339))
	}
	if *lines != 0 {
		query.Add("tail", strconv.Itoa(*lines))
	}
	c := newClient(*f.gateway)
	c.http.Timeout = 0
	req, err := c.request(http.MethodGet, "/system/logs", query, nil)
	if err != nil {
		return err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot connect to OpenFaaS on URL: %s", c.gateway)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := readAll(res.Body)
		return unexpected(res.StatusCode, body)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	decoder := json.NewDecoder(res.Body)
	for decoder.More() {
		var msg logMessage
		if err := decoder.Decode(&msg); err != nil {
			return fmt.Errorf("cannot parse log results: %s", err)
		}
		fmt.Fprintf(out, "%s %s (%s) %s\n", msg.Timestamp.Format(time.RFC3339), msg.Name, msg.Instance, msg.Text)
		out.Flush()
	}
	return nil
}

// secretCommand is `secret create|list|remove` (proxy/secret.go): POST, GET and DELETE on
// /system/secrets; a mutation wants 200 or 202 (201 too for create), as faas-cli checks.
func secretCommand(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("secret: create, list or remove")
	}
	f := newFlags("secret")
	literal := f.String("from-literal", "", "")
	file := f.String("from-file", "", "")
	names, err := f.parse(args[1:])
	if err != nil {
		return err
	}
	c := newClient(*f.gateway)
	switch args[0] {
	case "create":
		if len(names) != 1 {
			return fmt.Errorf("secret name required")
		}
		s := secret{Name: names[0], Value: *literal}
		if *file != "" {
			if s.RawValue, err = os.ReadFile(*file); err != nil {
				return err
			}
		}
		fmt.Printf("Creating secret: %s\n", s.Name)
		return secretRequest(c, http.MethodPost, s, "Created")
	case "list", "ls":
		return listSecrets(c)
	case "remove", "rm":
		if len(names) != 1 {
			return fmt.Errorf("secret name required")
		}
		return secretRequest(c, http.MethodDelete, secret{Name: names[0]}, "Removed")
	}
	return fmt.Errorf("unknown secret command %q", args[0])
}

func secretRequest(c *client, method string, s secret, done string) error {
	body, _ := json.Marshal(&s)
	status, answer, err := c.call(method, "/system/secrets", url.Values{}, body)
	if err != nil {
		return err
	}
	if status == http.StatusOK || status == http.StatusAccepted || (status == http.StatusCreated && method == http.MethodPost) {
		fmt.Printf("%s: %d %s\n", done, status, http.StatusText(status))
		return nil
	}
	return unexpected(status, answer)
}

func listSecrets(c *client) error {
	status, body, err := c.call(http.MethodGet, "/system/secrets", url.Values{}, nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK && status != http.StatusAccepted {
		return unexpected(status, body)
	}
	var secrets []secret
	if err := json.Unmarshal(body, &secrets); err != nil {
		return fmt.Errorf("cannot parse result from OpenFaaS: %s", err)
	}
	fmt.Println("NAME")
	for _, s := range secrets {
		fmt.Println(s.Name)
	}
	return nil
}

// version prints the gateway's and provider's versions from GET /system/info, dereferencing
// provider.version as faas-cli does.
func version(args []string) error {
	f := newFlags("version")
	if _, err := f.parse(args); err != nil {
		return err
	}
	c := newClient(*f.gateway)
	status, body, err := c.call(http.MethodGet, "/system/info", url.Values{}, nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return unexpected(status, body)
	}
	var info gatewayInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return fmt.Errorf("cannot parse result from OpenFaaS on URL: %s\n%s", c.gateway, err)
	}
	fmt.Printf("Gateway\n uri:     %s\n version: %s\n sha:     %s\n\n", c.gateway, info.Version.Release, info.Version.SHA)
	fmt.Printf("Provider\n name:          %s\n orchestration: %s\n version:       %s\n sha:           %s\n",
		info.Provider.Name, info.Provider.Orchestration, info.Provider.Version.Release, info.Provider.Version.SHA)
	return nil
}
