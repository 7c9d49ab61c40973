def handle(req):
    """Echoes the request body back, as a Flask view would.

    Try: curl -d 'Ada' http://127.0.0.1:8080/function/<name>

    req is the body as text (bytes when RAW_BODY is "true"). Return a body (str, bytes, or a dict
    or list sent as JSON), or (body, status), (body, headers) or (body, status, headers).
    """
    if not req:
        return "Send me something to echo\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    return req, 200, {"Content-Type": "text/plain; charset=utf-8", "X-Echoed-Bytes": str(len(req.encode()))}
