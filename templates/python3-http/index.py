"""The process that runs in each replica of a python3-http or python3-flask function.

An HTTP/1.1 server from the standard library (no Flask, no waitress, nothing to pip install) that
turns each request into a call of `handle` in function/handler.py and its return value into the
response. Two handler contracts, told apart by the handler's signature:

- `handle(event, context)`: OpenFaaS python3-http. `event` has body (bytes), headers, method,
  query and path; a returned dict is `{"statusCode", "body", "headers"}`.
- `handle(req)`: OpenFaaS python3-flask. `req` is the body as text (bytes with RAW_BODY=true);
  the return value is read the way Flask reads a view's: a body, `(body, status)`,
  `(body, headers)` or `(body, status, headers)`.

Listens on the Unix socket in SLUICE_SOCKET (the Sluice gateway gives each replica one), else on
127.0.0.1:$http_port (default 5000, as the OpenFaaS template; for `sluice watchdog` with
upstream_url http://127.0.0.1:5000).
"""
import http.server
import inspect
import json
import os
import signal
import socketserver
import sys
import threading
import traceback
from urllib.parse import parse_qs, unquote

HEALTH_PATH = '/_/health'
DRAIN_LIMIT_S = 10
# Flask's default for anything that is not JSON, str and bytes alike.
HTML = 'text/html; charset=utf-8'
JSON = 'application/json'
# Framing and connection management are the server's, whatever the handler says.
OWN_HEADERS = frozenset(('content-length', 'transfer-encoding', 'connection', 'keep-alive'))
TEXT = (('Content-Type', 'text/plain; charset=utf-8'),)
REASONS = {status.value: status.phrase for status in http.HTTPStatus}
RAW_BODY = os.environ.get('RAW_BODY', '').lower() in ('true', '1')


class Query(dict):
    """The query string as werkzeug's MultiDict (Flask's request.args): each key maps to its list of
    values; `query[k]` and `.get(k)` give the first, `.getlist(k)` all of them."""

    def __getitem__(self, key):
        return dict.__getitem__(self, key)[0]

    def get(self, key, default=None):
        values = dict.get(self, key)
        return values[0] if values else default

    def getlist(self, key):
        return list(dict.get(self, key, ()))

    def items(self):
        return [(key, values[0]) for key, values in dict.items(self)]

    def values(self):
        return [values[0] for values in dict.values(self)]

    def to_dict(self, flat=True):
        return dict(self.items()) if flat else {key: list(values) for key, values in dict.items(self)}


class Event:
    """The request as an (event, context) handler sees it."""
    __slots__ = ('body', 'headers', 'method', 'query', 'path')

    def __init__(self, body, headers, method, query, path):
        self.body = body
        self.headers = headers
        self.method = method
        self.query = query
        self.path = path


SECRETS_DIR = os.environ.get('SLUICE_SECRETS_DIR') or '/var/openfaas/secrets'


class Context:
    __slots__ = ('hostname',)

    def __init__(self):
        self.hostname = os.environ.get('HOSTNAME', 'localhost')

    def secret(self, name):
        """The text of a secret the function lists under `secrets:`, without its trailing newline."""
        if '/' in name or name.startswith('.'):
            raise ValueError('secret name "%s" is not valid' % name)
        try:
            with open(os.path.join(SECRETS_DIR, name), encoding='utf-8') as f:
                text = f.read()
            return text[:-2] if text.endswith('\r\n') else text[:-1] if text.endswith('\n') else text
        except OSError:
            raise KeyError('secret "%s" is not available: list it under secrets: in stack.yml, '
                           'create it with `sluice secret create %s`, and deploy again' % (name, name)) from None


class BadRequest(Exception):
    """The request body cannot be read: answered with 400 and the connection closed."""


class Calls:
    """Counts the calls in flight, so SIGTERM can wait for them to finish."""

    def __init__(self):
        self.count = 0
        self.idle = threading.Condition()
        self.draining = False

    def __enter__(self):
        with self.idle:
            self.count += 1

    def __exit__(self, *exc):
        with self.idle:
            self.count -= 1
            if self.count == 0:
                self.idle.notify_all()

    def drain(self, limit):
        self.draining = True
        with self.idle:
            self.idle.wait_for(lambda: self.count == 0, timeout=limit)


calls = Calls()


def load_handler():
    """`handle` from function/handler.py, or exit 1 with the error as the last line of stderr: the
    gateway quotes that line when the replica keeps failing to start."""
    try:
        # The bundle folder is sys.path[0] (this script's folder), so function/ imports as a package,
        # with or without an __init__.py (a namespace package): the user's folder replaces ours.
        from function import handler
    except Exception as err:
        # Skip this frame: the traceback starts in the user's code.
        traceback.print_exception(type(err), err, err.__traceback__.tb_next)
        sys.exit(1)
    handle = getattr(handler, 'handle', None)
    if not callable(handle):
        print('TypeError: function/handler.py must define handle(event, context) or handle(req)', file=sys.stderr)
        sys.exit(1)
    return handle


def takes_event_and_context(handle):
    """True for handle(event, context), False for the one-argument handle(req) of python3-flask."""
    try:
        inspect.signature(handle).bind(None, None)
    except TypeError:
        return False
    except ValueError:
        return True  # no signature to read (a builtin): assume the default contract
    return True


def event_result(result):
    """python3-http: a dict is {statusCode, body, headers}; anything else is read as Flask would."""
    if isinstance(result, dict):
        return result.get('statusCode', 200), result.get('body'), result.get('headers')
    return flask_result(result)


def flask_result(result):
    """(status, body, headers) from what a Flask view may return."""
    if isinstance(result, tuple):
        if len(result) == 3:
            return result[1], result[0], result[2]
        if len(result) == 2:
            # Flask's rule: a dict or list in second place is headers, anything else a status.
            if isinstance(result[1], (dict, list)):
                return 200, result[0], result[1]
            return result[1], result[0], None
        raise TypeError(f'the handler returned a tuple of {len(result)} items; use (body, status, headers), (body, status) or (body, headers)')
    return 200, result, None


def encode_body(body):
    """The body as bytes, and the Content-Type to send when the handler set none."""
    if body is None:
        return b'', HTML
    if isinstance(body, str):
        return body.encode(), HTML
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body), HTML
    if isinstance(body, (dict, list)):
        # As Flask's jsonify: compact, newline-terminated. default=str: dates, UUIDs, Decimals… as text.
        return (json.dumps(body, separators=(',', ':'), default=str) + '\n').encode(), JSON
    return str(body).encode(), HTML


def status_code(status):
    """An int status, from an int or a Flask status string ('201' or '201 CREATED')."""
    code = status if isinstance(status, int) else int(str(status).split(None, 1)[0])
    if not 200 <= code <= 599:
        raise ValueError(f'status {status!r} is not an HTTP status from 200 to 599')
    return code


def header_pairs(headers):
    """(name, value) pairs from a dict (a list value sends the header once per item) or a list of pairs."""
    if not headers:
        return
    for name, value in headers.items() if isinstance(headers, dict) else headers:
        for one in value if isinstance(value, (list, tuple)) else (value,):
            yield str(name), str(one)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive: the gateway reuses connections

    def log_message(self, format, *args):
        pass  # no access log: one line per call would flood the function's log

    def on_request(self):
        if self.path == HEALTH_PATH and self.command == 'GET':
            self.respond(200, TEXT, b'OK')
            return
        with calls:
            try:
                raw = self.read_body()
            except BadRequest as err:
                self.close_connection = True
                self.respond(400, TEXT, f'{err}\n'.encode())
                return
            try:
                status, headers, body = self.call(raw)
            except Exception:
                # The traceback is for the function's log; the client learns only that it failed.
                traceback.print_exc()
                status, headers, body = 500, TEXT, b'Internal Server Error\n'
            self.respond(status, headers, body)

    # Every method the gateway relays goes to the handler.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = on_request

    def call(self, raw):
        """Runs the handler; returns (status, header pairs with a Content-Type, body bytes)."""
        if EVENT_STYLE:
            target, _, query = self.path.partition('?')
            event = Event(raw, self.headers, self.command, Query(parse_qs(query, keep_blank_values=True)), unquote(target))
            status, body, headers = event_result(handle(event, CONTEXT))
        else:
            status, body, headers = flask_result(handle(raw if RAW_BODY else raw.decode('utf-8', 'replace')))
        data, default_type = encode_body(body)
        pairs = []
        for name, value in header_pairs(headers):
            if '\n' in value or '\r' in value or '\n' in name or '\r' in name:
                raise ValueError(f'header {name!r} holds a line break')  # it would split the response
            if name.lower() not in OWN_HEADERS:
                pairs.append((name, value))
        if not any(name.lower() == 'content-type' for name, _ in pairs):
            pairs.append(('Content-Type', default_type))
        return status_code(status), pairs, data

    def read_body(self):
        """The whole request body. http.server leaves the body to us, and knows no chunked encoding."""
        encoding = self.headers.get('Transfer-Encoding')
        if encoding is not None:
            if encoding.rsplit(',', 1)[-1].strip().lower() != 'chunked':
                raise BadRequest(f'unsupported Transfer-Encoding: {encoding}')
            return self.read_chunked()
        length = self.headers.get('Content-Length')
        if length is None:
            return b''
        if not length.isdigit():
            raise BadRequest(f'invalid Content-Length: {length}')
        body = self.rfile.read(int(length))
        if len(body) != int(length):
            raise BadRequest('the body ended before Content-Length bytes')
        return body

    def read_chunked(self):
        chunks = []
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b';', 1)[0], 16)  # a chunk size may carry ;extensions
            except ValueError:
                raise BadRequest('invalid chunked body') from None
            if size == 0:
                break
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(3) not in (b'\r\n', b'\n'):
                raise BadRequest('invalid chunked body')
            chunks.append(chunk)
        # Trailer fields, if any, up to the empty line that ends the message.
        while self.rfile.readline(8192) not in (b'\r\n', b'\n', b''):
            pass
        return b''.join(chunks)

    def respond(self, status, headers, body):
        """Status line, headers and body in one write: no small segments for Nagle to hold back."""
        lines = [f'HTTP/1.1 {status} {REASONS.get(status, "")}', f'Date: {self.date_time_string()}']
        lines.extend(f'{name}: {value}' for name, value in headers)
        if status not in (204, 304):  # these never have a body, nor a Content-Length
            lines.append(f'Content-Length: {len(body)}')
        if calls.draining:
            lines.append('Connection: close')  # shutting down: let the client's connection go
            self.close_connection = True
        head = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')
        self.wfile.write(head if self.command == 'HEAD' or status in (204, 304) else head + body)


class Server(socketserver.ThreadingMixIn):
    """A thread per connection. Daemon threads and no join on close: idle keep-alive connections
    must not hold up the exit, and Calls already waits for the calls in flight."""
    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 would refuse connections when the gateway opens many at once.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that left is not news
            super().handle_error(request, client_address)


class UnixServer(Server, socketserver.UnixStreamServer):
    pass


class TCPServer(Server, socketserver.TCPServer):
    # socketserver.TCPServer rather than http.server.HTTPServer: that one looks up the host's
    # fully qualified name at bind time, which can take seconds without DNS.
    allow_reuse_address = True


class TCPHandler(Handler):
    disable_nagle_algorithm = True  # TCP_NODELAY; a Unix socket has no such option


def listen():
    socket_path = os.environ.get('SLUICE_SOCKET')
    if socket_path:
        try:
            os.unlink(socket_path)  # left by a replica that died; bind would fail with EADDRINUSE
        except FileNotFoundError:
            pass
        return UnixServer(socket_path, Handler)
    return TCPServer(('127.0.0.1', int(os.environ.get('http_port', '5000'))), TCPHandler)


def watch_gateway():
    """Started by the gateway with a Node IPC channel (newline-delimited JSON on NODE_CHANNEL_FD):
    say we are ready, and exit when the channel closes, so no replica outlives a gateway that died."""
    fd = os.environ.pop('NODE_CHANNEL_FD', None)  # popped: not for processes the handler starts
    if fd is None:
        return
    fd = int(fd)
    os.write(fd, b'{"sluice":"ready"}\n')

    def read_until_eof():
        try:
            while os.read(fd, 65536):
                pass  # the gateway's messages mean nothing to this runner
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=read_until_eof, name='gateway-channel', daemon=True).start()


class Stop(BaseException):
    """Raised by the SIGTERM/SIGINT handler to end serve_forever at once, without polling. A
    BaseException, as KeyboardInterrupt: serve_forever would swallow an Exception as a failed request."""


def stop(signum, frame):
    # A second signal while draining takes the default action: the process ends at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    raise Stop


def main():
    # Handler output reaches the function's log line by line, not in 8 KiB blocks.
    sys.stdout.reconfigure(line_buffering=True)
    server = listen()
    watch_gateway()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    except Stop:
        pass
    server.server_close()  # stop accepting
    calls.drain(DRAIN_LIMIT_S)


handle = load_handler()
EVENT_STYLE = takes_event_and_context(handle)
CONTEXT = Context()

if __name__ == '__main__':
    main()
