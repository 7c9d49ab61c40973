#!/usr/bin/env bash
# Runs once per call. The request body is on stdin; what this prints is streamed to the caller as
# it is written. Method, path and query are in $Http_Method, $Http_Path and $Http_Query; each
# request header is in $Http_<Name>, e.g. $Http_Content_Type.
# Try: curl -X PUT -d 'hello' 'http://127.0.0.1:8080/function/<name>/some/path?a=1'
set -euo pipefail

echo "${Http_Method:-POST} ${Http_Path:-/}${Http_Query:+?$Http_Query}"
cat   # the body, byte for byte, without holding it all in memory
