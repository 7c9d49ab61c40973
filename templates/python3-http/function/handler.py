def handle(event, context):
    """Says hello to whoever the request body names, and shows what reached it.

    Try: curl -X PUT -d 'Ada' 'http://127.0.0.1:8080/function/<name>/some/path?a=1&a=2'

    event.body is bytes; event.headers is case-insensitive; event.query.get('a') is the first value
    of a, event.query.getlist('a') all of them; event.path has no query string.
    Return {"statusCode", "body", "headers"}: a dict or list body is sent as JSON.
    """
    name = event.body.decode('utf-8', 'replace').strip() or 'world'
    return {
        "statusCode": 200,
        "body": {
            "message": f"Hello from python3-http, {name}!",
            "method": event.method,
            "path": event.path,
            "query": event.query.to_dict(flat=False),
            "user_agent": event.headers.get("User-Agent"),
            "hostname": context.hostname,
        },
    }
