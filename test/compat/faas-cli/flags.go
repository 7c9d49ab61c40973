package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// flags is a command's flag set with faas-cli's common --gateway/-g (default: $OPENFAAS_URL, then
// http://127.0.0.1:8080, as faas-cli resolves it).
type flags struct {
	*flag.FlagSet
	gateway *string
}

func newFlags(name string) flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fallback := os.Getenv("OPENFAAS_URL")
	if fallback == "" {
		fallback = "http://127.0.0.1:8080"
	}
	gateway := fs.String("gateway", fallback, "gateway URL")
	fs.StringVar(gateway, "g", fallback, "gateway URL")
	return flags{fs, gateway}
}

// parse takes flags anywhere among the arguments, as cobra does, and returns the positional ones.
func (f flags) parse(args []string) ([]string, error) {
	var positional []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, err
		}
		args = f.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// pairs is a repeatable key=value flag (-e, -l, --annotation, -H, --query), parsed as faas-cli's
// parseMap does.
type pairs map[string]string

func (p pairs) String() string { return fmt.Sprint(map[string]string(p)) }

func (p pairs) Set(text string) error {
	key, value, ok := strings.Cut(text, "=")
	if !ok || key == "" {
		return fmt.Errorf("label format is not correct, needs key=value")
	}
	p[key] = value
	return nil
}

// list is a repeatable flag (--secret, --constraint).
type repeated []string

func (l *repeated) String() string { return strings.Join(*l, ",") }

func (l *repeated) Set(text string) error {
	*l = append(*l, text)
	return nil
}
