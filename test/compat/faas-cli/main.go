// Command faas-cli-wire talks to a gateway exactly as faas-cli 0.16 does for the commands OpenFaaS
// users run most (login, list, describe, deploy, invoke, logs, secret, remove, version): the same
// methods, paths, query strings, headers and JSON bodies, decoded into the same Go types with Go's
// encoding/json, with faas-cli's status-code handling and output. The real binary is downloaded from
// GitHub, which the machines Sluice is tested on cannot reach; this stands in for it
// (test/integration/faas-cli.test.ts runs it against a real gateway).
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: faas-cli-wire COMMAND [flags]"))
	}
	commands := map[string]func([]string) error{
		"login": login, "list": list, "ls": list, "describe": describe, "deploy": deploy,
		"invoke": invoke, "logs": logs, "secret": secretCommand, "remove": remove, "rm": remove,
		"version": version,
	}
	run, ok := commands[os.Args[1]]
	if !ok {
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
	if err := run(os.Args[2:]); err != nil {
		fail(err)
	}
}

// fail ends as cobra does when a command returns an error: the message on stderr, exit code 1.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "Error: %s\n", err)
	os.Exit(1)
}

// client is faas-cli's proxy.Client: the gateway URL without a trailing slash and the stored
// credentials for it, set on every request.
type client struct {
	gateway string
	http    *http.Client
}

func newClient(gateway string) *client {
	return &client{gateway: strings.TrimRight(gateway, "/"), http: &http.Client{Timeout: 60 * time.Second}}
}

// request builds a request as proxy.Client.newRequest does: gateway path joined with the route,
// JSON content type when there is a body, and the config file's Authorization for this gateway.
func (c *client) request(method, route string, query url.Values, body []byte) (*http.Request, error) {
	endpoint, err := url.Parse(c.gateway)
	if err != nil {
		return nil, err
	}
	endpoint.Path = path.Join(endpoint.Path, route)
	endpoint.RawQuery = query.Encode()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, endpoint.String(), reader)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token := lookupToken(c.gateway); token != "" {
		req.Header.Set("Authorization", "Basic "+token)
	}
	return req, nil
}

// call builds a request (see request), sends it and reads the whole answer.
func (c *client) call(method, route string, query url.Values, body []byte) (int, []byte, error) {
	req, err := c.request(method, route, query, body)
	if err != nil {
		return 0, nil, err
	}
	return c.do(req)
}

// do sends a request and reads the whole answer.
func (c *client) do(req *http.Request) (int, []byte, error) {
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("cannot connect to OpenFaaS on URL: %s", c.gateway)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// unexpected is faas-cli's error for a status it has no case for, and its 401 advice.
func unexpected(status int, body []byte) error {
	if status == http.StatusUnauthorized {
		return fmt.Errorf("unauthorized access, run \"faas-cli login\" to setup authentication for this server")
	}
	return fmt.Errorf("server returned unexpected status code: %d - %s", status, string(body))
}

// configFile is faas-cli's ~/.openfaas/config.yml, or $OPENFAAS_CONFIG/config.yml.
func configFile() string {
	dir := os.Getenv("OPENFAAS_CONFIG")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".openfaas")
	}
	return filepath.Join(dir, "config.yml")
}

// lookupToken reads the basic-auth token saved for a gateway by login. faas-cli parses the file with
// a YAML library; its layout is fixed (see saveToken), so a line scan finds the same entry.
func lookupToken(gateway string) string {
	text, err := os.ReadFile(configFile())
	if err != nil {
		return ""
	}
	current := ""
	for _, line := range strings.Split(string(text), "\n") {
		key, value, _ := strings.Cut(strings.TrimLeft(strings.TrimSpace(line), "- "), ":")
		value = strings.TrimSpace(value)
		if key == "gateway" {
			current = value
		} else if key == "token" && current == gateway {
			return value
		}
	}
	return ""
}

// saveToken writes the config file as faas-cli's config.UpdateAuthConfig does (one gateway here).
func saveToken(gateway, user, password string) error {
	token := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	text := fmt.Sprintf("auths:\n- gateway: %s\n  auth: basic\n  token: %s\n", gateway, token)
	if err := os.MkdirAll(filepath.Dir(configFile()), 0o700); err != nil {
		return err
	}
	return os.WriteFile(configFile(), []byte(text), 0o600)
}
