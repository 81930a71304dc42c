"""WSGI middleware in front of Django: `MAX_REQUEST_BODY_BYTES` on the bytes received, the
rule `storefronts/asgi.py` keeps under ASGI, for the HTTP API served by WSGI workers.

Django's WSGIRequest reads exactly `Content-Length` bytes of a body, and none of a body
without one, so:

- a declared `Content-Length` over the limit is answered 413 before a byte of the body is
  read (DRF would read it to parse it); a body under the limit is Django's as it is;
- a chunked body (`Transfer-Encoding: chunked`: the server decodes it and ends
  `wsgi.input` with it) is read here up to the limit (413 the moment it is passed) and
  handed on, spooled as Django spools an upload, with the `Content-Length` it turned out to
  have; without that Django would see an empty body.

The 413 is the same answer as under ASGI (`storefronts.asgi.too_large`). The server cannot
be told to close the connection from WSGI: gunicorn reads and drops the rest of a refused
body before the connection's next request (the proxy's own body limit stops it sooner).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable

from django.conf import settings

from .asgi import REPLAY_CHUNK, too_large


class RequestBodyLimit:
    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        limit = settings.MAX_REQUEST_BODY_BYTES
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return self._read_then_call(environ, start_response, limit)
        declared = environ.get("CONTENT_LENGTH", "")
        if declared.strip().isdigit() and int(declared) > limit:
            return self._too_large(environ, start_response)
        return self.app(environ, start_response)

    def _read_then_call(self, environ: dict, start_response: Callable, limit: int):
        body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
        stream, size = environ["wsgi.input"], 0
        while chunk := stream.read(min(REPLAY_CHUNK, limit + 1 - size)):
            size += len(chunk)
            if size > limit:
                body.close()
                return self._too_large(environ, start_response)
            body.write(chunk)
        body.seek(0)
        environ = {**environ, "wsgi.input": body, "CONTENT_LENGTH": str(size)}
        del environ["HTTP_TRANSFER_ENCODING"]
        try:
            return self.app(environ, start_response)
        finally:
            # Django has read what it needs of the body by the time its response is back
            body.close()

    @staticmethod
    def _too_large(environ: dict, start_response: Callable) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        host = environ.get("HTTP_HOST", "")
        headers, body = too_large(path, host, environ.get("HTTP_ORIGIN"))
        kept = [(key, value) for key, value in headers if key != "connection"]
        start_response("413 Request Entity Too Large", kept)
        return [body]
