"""The HTTP front end: the JSON API, the web page, health checks and metrics, above the answer service.

schemas.py     request and response shapes (the OpenAPI document)
routes.py      the API and operations endpoints; pages.py the web page's
middleware.py  admission (body size, rate limit), request log and metrics
prefetch.py    a new question's embedding started as soon as its POST /v1/ask body is in
errors.py      every refusal as {"detail": "<one sentence>"}; logs.py the JSON log lines
app.py         `create_app` assembles them; `serve` runs uvicorn
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
