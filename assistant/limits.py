"""Limits and names that several front ends share, so the CLI, the service and the HTTP API agree."""

from __future__ import annotations

# A question longer than this is refused (abstained from with a message) rather than searched:
# real questions are one or two sentences, and a pasted document is not a question.
MAX_QUESTION_CHARS = 500
# How many clauses an answer may cite: the page shows five, and beyond fifty is a data dump.
DEFAULT_TOP_K = 5
MAX_TOP_K = 50
# Clause ids are a short digest with a prefix; anything much longer is not one of ours.
MAX_CLAUSE_ID_CHARS = 100
# The JSON API's version prefix: rate limits apply under it, pages and health checks are outside.
API_PREFIX = "/v1"
# A question is at most 500 characters, 1-4 bytes each in UTF-8, plus a little JSON: 64 KiB is far
# above any honest request and small enough to refuse floods.
DEFAULT_MAX_BODY_BYTES = 64 * 1024
