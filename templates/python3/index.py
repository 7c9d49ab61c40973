"""The process that runs once per call of a python3 (classic) function: the OpenFaaS classic
watchdog contract. The body arrives on stdin, handle(req) in function/handler.py gets it as text
(bytes when RAW_BODY is true or 1), and what it returns is written to stdout, which is the answer.
Method, path, query and headers are in the Http_* environment variables the watchdog sets.

Start-up time is paid on every call, so this imports nothing it does not need (json only for a
dict or list result). An exception, in the handler or while importing it, is left to Python: the
traceback goes to stderr and the exit status is 1, which the watchdog turns into a 500.
"""
import os
import sys

# The bundle folder is sys.path[0] (this script's folder), so function/ imports as a package, with
# or without an __init__.py.
from function import handler

data = sys.stdin.buffer.read()
raw = os.environ.get('RAW_BODY', '').lower() in ('true', '1')
result = handler.handle(data if raw else data.decode('utf-8', 'replace'))

if isinstance(result, (bytes, bytearray, memoryview)):
    out = result
elif isinstance(result, str):
    out = result.encode()
elif result is None:
    out = b''
elif isinstance(result, (dict, list)):
    import json
    out = json.dumps(result).encode()
else:
    out = str(result).encode()
sys.stdout.buffer.write(out)
