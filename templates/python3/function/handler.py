import os


def handle(req):
    """Answers with what reached it: the body, and the method, path and query of the call.

    Try: curl -X PUT -d 'Ada' 'http://127.0.0.1:8080/function/<name>/some/path?a=1'

    req is the body as text (bytes when RAW_BODY is "true"). The return value is the answer: str
    and bytes as they are, a dict or list as JSON. Headers are in Http_* environment variables,
    e.g. os.getenv("Http_Content_Type").
    """
    method = os.getenv("Http_Method", "POST")
    path = os.getenv("Http_Path", "/")
    query = os.getenv("Http_Query")
    where = f"{method} {path}" + (f"?{query}" if query else "")
    return f"Hello! You said: {req} ({where})\n"
