"""Load test: concurrent clients against a real `policy-assistant serve` on loopback while
`policy-assistant index --force` rebuilds the served index in another process, again and again.

    python -m tests.load --clients 32 --seconds 60      # the full run (about 1.5 minutes)
    python -m tests.load --clients 8 --seconds 10       # what CI runs (tests/test_reload.py)

It copies an existing index (default `index/`, with its embedding cache, so rebuilds need no
embedding) into a temporary directory, serves that copy with POLICY_RATE_LIMIT=0, and never
touches the original. A request fails if it errs, times out, gets a non-2xx status, or returns an
answer other than the one the same question got before the load began (the corpus does not
change, so every build must answer alike). Exit status 1 when any request failed, a build was
refused, or a rebuild was not swapped in within 10 seconds of its CURRENT switch.

The server, build and index helpers here are shared by tests/test_reload.py and tests/test_drills.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from assistant import builds

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
# Asked when the shared evaluation file is not beside the project.
FALLBACK_QUESTIONS = (
    "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？",
    "失业补助金最长能领几个月？",
    "灵活就业人员只交了养老保险没交医保，每月补贴多少钱",
    "阶段性降低失业保险和工伤保险费率的政策执行到什么时候",
    "城镇新增就业的最高目标是多少人？",
    "北京市公积金贷款利率是多少",
)
STARTUP_SECONDS = 240.0  # generous: other test runs may share the 2 cores while the model loads
RELOAD_DEADLINE = 10.0  # the promise: a new build serves within 10 s of the CURRENT switch
REQUEST_TIMEOUT = 30.0


# ---------------------------------------------------------------------------------------------
# Index directories and builds


def copy_index(source: Path, dest: Path, embeddings: Path | None = None) -> Path:
    """A servable copy of `source`'s current build in `dest`, with an embedding cache.

    `embeddings` is a folder of cache files (default `source/cache/embeddings`): with it a rebuild
    of the same corpus embeds nothing and takes seconds instead of minutes.
    """
    name = current_name(source)
    (dest / "builds").mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "builds" / name, dest / "builds" / name)
    switch_current(dest, name)
    cache = embeddings if embeddings is not None else source / "cache" / "embeddings"
    if cache.is_dir():
        shutil.copytree(cache, dest / "cache" / "embeddings", dirs_exist_ok=True)
    return dest


def switch_current(index_dir: Path, name: str) -> None:
    """Point CURRENT at `name` the way `index` does, in one atomic replace: a watcher never reads half a name."""
    tmp = index_dir / f".CURRENT.{os.getpid()}.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / "CURRENT")


def current_name(index_dir: Path) -> str:
    """The build `index_dir`'s store names as current (the local files kind); an error without one."""
    name = builds.LocalBuilds(index_dir).current()
    if name is None:
        raise FileNotFoundError(f"no current build in {index_dir}")
    return name


def build_names(index_dir: Path) -> list[str]:
    """Every folder under builds/, hidden (`.tmp-*`) ones included, sorted."""
    folder = index_dir / "builds"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def index_command(index_dir: Path, corpus: Path, *, force: bool = True, embedder: str | None = None) -> list[str]:
    """`policy-assistant index` as a subprocess command (the module, so no installed script is needed)."""
    command = [sys.executable, "-m", "assistant.cli", "index", "--corpus", str(corpus), "--index-dir", str(index_dir)]
    if force:
        command.append("--force")
    if embedder:
        command += ["--embedder", embedder]
    return command


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **extra}
    env.pop("POLICY_DEBUG", None)  # it turns one-line errors into tracebacks
    return env


def run_index(
    index_dir: Path,
    corpus: Path,
    *,
    timeout: float = 300.0,
    quiet: bool = True,
    preexec_fn: Callable[[], None] | None = None,
    **kwargs: Any,
) -> subprocess.CompletedProcess[str]:
    command = index_command(index_dir, corpus, **kwargs) + (["--quiet"] if quiet else [])
    return subprocess.run(
        command, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=timeout, preexec_fn=preexec_fn
    )


# ---------------------------------------------------------------------------------------------
# The server under test


@dataclass
class ServerProcess:
    """`policy-assistant serve` in a subprocess on a free loopback port, its log in a file."""

    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""

    @classmethod
    def start(
        cls,
        index_dir: Path,
        log_path: Path,
        *,
        reload_seconds: float = 2.0,
        wait_ready: bool = True,
        env: dict[str, str] | None = None,
    ) -> ServerProcess:
        command = [
            sys.executable,
            "-m",
            "assistant.cli",
            "serve",
            "--index-dir",
            str(index_dir),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ]
        environment = child_env(POLICY_RATE_LIMIT="0", POLICY_RELOAD_SECONDS=str(reload_seconds), **(env or {}))
        with log_path.open("wb") as sink:
            process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT)
        server = cls(process, log_path)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            server.url = f"http://127.0.0.1:{server._listening_port(deadline)}"
            if wait_ready:
                server.wait_ready(deadline)
        except BaseException:
            server.stop()
            raise
        return server

    def _listening_port(self, deadline: float) -> int:
        """The port uvicorn chose (port 0: the OS picks a free one, so parallel runs never clash)."""
        while time.monotonic() < deadline:
            match = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", self.log_text())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"the server did not start:\n{self.log_text()[-3000:]}")

    def wait_ready(self, deadline: float) -> dict[str, Any]:
        while time.monotonic() < deadline:
            state = self.readyz()
            if state.get("status") == "ready":
                return state
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"the server never became ready:\n{self.log_text()[-3000:]}")

    def readyz(self) -> dict[str, Any]:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=10).json()
        except httpx.TransportError:
            return {}

    def served_build(self) -> str:
        return self.readyz().get("build", "")

    def wait_for_build(self, name: str, seconds: float) -> float:
        """Seconds until /readyz reports build `name`; AssertionError after `seconds`."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if self.served_build() == name:
                return time.monotonic() - started
            time.sleep(0.1)
        raise AssertionError(f"build {name} was not served within {seconds:.0f}s (serving {self.served_build()})")

    def metric(self, name: str, **labels: str) -> float:
        from prometheus_client.parser import text_string_to_metric_families

        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON log lines; anything else the process printed is left out."""
        records = []
        for line in self.log_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---------------------------------------------------------------------------------------------
# The load


def questions(limit: int = 40) -> list[str]:
    found: list[str] = []
    if DEV_QUESTIONS.is_file():
        for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines():
            try:
                question = json.loads(line).get("question")
            except (ValueError, AttributeError):
                continue
            if isinstance(question, str) and question.strip():
                found.append(question)
    return (found or list(FALLBACK_QUESTIONS))[:limit]


@dataclass
class LoadReport:
    clients: int
    seconds: float  # how long the clients ran (the window, extended until the last rebuild was served)
    requests: int = 0
    failures: int = 0
    throughput: float = 0.0  # requests per second
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    ask_p99_ms: float = 0.0
    max_ms: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)
    rebuilds: int = 0  # `index --force` runs that finished with exit status 0
    rebuild_failures: int = 0
    reloads: int = 0  # builds the server swapped in (its policy_index_reloads_total{outcome="loaded"})
    refused: int = 0
    builds_served: list[str] = field(default_factory=list)  # in the order /readyz reported them
    max_reload_lag_s: float = 0.0  # CURRENT switched -> /readyz serves it, worst case
    failure_samples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.failures == 0
            and self.rebuild_failures == 0
            and self.refused == 0
            and self.reloads >= 1
            and self.max_reload_lag_s <= RELOAD_DEADLINE
        )

    def summary(self) -> str:
        return (
            f"{self.clients} clients, {self.seconds:.1f}s: {self.requests} requests, {self.failures} failed, "
            f"{self.throughput:.1f} req/s, p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, "
            f"p99 {self.p99_ms:.0f} ms (ask p99 {self.ask_p99_ms:.0f} ms, max {self.max_ms:.0f} ms); "
            f"{self.rebuilds} rebuilds, {self.reloads} reloads, {self.refused} refused, "
            f"worst reload lag {self.max_reload_lag_s:.1f}s"
        )


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


async def _baseline(client: httpx.AsyncClient, asked: Sequence[str]) -> dict[str, str]:
    """Each question's answer before the load: every build of the same corpus must give it again."""
    answers = {}
    for question in asked:
        response = await client.post("/v1/ask", json={"question": question})
        response.raise_for_status()
        answers[question] = response.json()["answer"]
    return answers


class _Load:
    def __init__(
        self, client: httpx.AsyncClient, expected: dict[str, str], clause_ids: list[str], doc_ids: list[str], seed: int
    ) -> None:
        self.client = client
        self.expected = expected
        self.clause_ids = clause_ids
        self.doc_ids = doc_ids
        self.random = random.Random(seed)
        self.latencies: list[tuple[str, float]] = []
        self.failures: list[str] = []
        self.stop = asyncio.Event()

    async def one(self) -> None:
        roll = self.random.random()
        started = time.perf_counter()
        kind = "ask"
        try:
            if roll < 0.75:
                question = self.random.choice(list(self.expected))
                response = await self.client.post("/v1/ask", json={"question": question})
                problem = self._check_answer(response, question)
            elif roll < 0.85:
                # A question never asked before: its query vector is not cached, so it is embedded.
                kind = "ask-new"
                question = f"{self.random.choice(list(self.expected))} {self.random.randrange(10**9)}"
                response = await self.client.post("/v1/ask", json={"question": question})
                problem = self._check_answer(response, None)
            elif roll < 0.93:
                kind = "clause"
                response = await self.client.get(f"/v1/clauses/{self.random.choice(self.clause_ids)}")
                problem = None if response.status_code == 200 else f"clause: {response.status_code}"
            elif roll < 0.97:
                kind = "document"
                response = await self.client.get(f"/v1/documents/{quote(self.random.choice(self.doc_ids), safe='')}")
                problem = (
                    None
                    if response.status_code == 200 and response.json()["clauses"]
                    else f"document: {response.status_code}"
                )
            else:
                kind = "documents"
                response = await self.client.get("/v1/documents")
                problem = (
                    None
                    if response.status_code == 200 and response.json()["documents"]
                    else f"documents: {response.status_code}"
                )
        except (httpx.HTTPError, ValueError, KeyError) as err:
            problem = f"{kind}: {type(err).__name__}: {err}"
        self.latencies.append((kind, time.perf_counter() - started))
        if problem:
            self.failures.append(problem)

    def _check_answer(self, response: httpx.Response, question: str | None) -> str | None:
        if response.status_code != 200:
            return f"ask: status {response.status_code}: {response.text[:200]}"
        answer = response.json()
        if answer["answered"]:
            top = answer["citations"][0]
            if top["text"][top["answer_start"] : top["answer_end"]] != answer["answer"]:
                return "ask: the answer is not the cited span"
        if question is not None and answer["answer"] != self.expected[question]:
            return f"ask: {question!r} answered {answer['answer']!r}, before the load {self.expected[question]!r}"
        return None

    async def client_loop(self) -> None:
        while not self.stop.is_set():
            await self.one()


async def _watch_builds(
    base_url: str, index_dir: Path, stop: asyncio.Event, served: list[str], switched: dict[str, float]
) -> None:
    """Polls /readyz for the builds served, and CURRENT for when each build was switched in (its
    mtime: `index` replaces the file at the switch)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
        while not stop.is_set():
            try:
                info = (index_dir / "CURRENT").stat()
                switched.setdefault(current_name(index_dir), info.st_mtime)
            except OSError:
                pass
            try:
                build = (await client.get("/readyz")).json().get("build", "")
            except httpx.HTTPError:
                build = ""
            if build and (not served or served[-1] != build):
                served.append(build)
            await asyncio.sleep(0.25)


def _log_time(record: dict[str, Any]) -> float:
    stamp = datetime.strptime(record["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return stamp.timestamp()


def reload_lags(server: ServerProcess, switched: dict[str, float], first: str) -> list[float]:
    """Seconds from each CURRENT switch to the server's "index reloaded" line for that build, or for
    a later one (a build replaced before it was picked up need not be served); inf when never."""
    reloaded = {r["build"]: _log_time(r) for r in server.log_records() if r.get("message") == "index reloaded"}
    order = sorted((t, name) for name, t in switched.items() if name != first)
    lags = []
    for i, (when, _) in enumerate(order):
        done = [reloaded[name] for _, name in order[i:] if name in reloaded]
        lags.append(min(done) - when if done else float("inf"))
    return lags


def _rebuild_loop(
    index_dir: Path, corpus: Path, until: Callable[[], bool], results: list[int], outputs: list[str]
) -> None:
    """`index --force` runs back to back until `until()`; each exit status goes into `results`."""
    while not until():
        done = run_index(index_dir, corpus, timeout=600)
        results.append(done.returncode)
        if done.returncode != 0:
            outputs.append(done.stderr.strip()[-500:])


async def run_load(
    server: ServerProcess,
    index_dir: Path,
    corpus: Path,
    *,
    clients: int,
    seconds: float,
    seed: int = 8,
    question_count: int = 40,
) -> LoadReport:
    """`clients` concurrent clients for `seconds` while the index is rebuilt; extended (by at most
    five minutes) until the last rebuild has finished and been served, so every rebuild is under load."""
    report = LoadReport(clients=clients, seconds=0.0)
    # Idle connections are dropped after 2 s, before uvicorn closes them (5 s): reusing one just as
    # the server closes it is a client-side race (ReadError), not a failure of the server under test.
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=server.url, timeout=REQUEST_TIMEOUT, limits=limits) as client:
        asked = questions(question_count)
        expected = await _baseline(client, asked)
        docs = (await client.get("/v1/documents")).json()["documents"]
        detail = (await client.get(f"/v1/documents/{quote(docs[0]['doc_id'], safe='')}")).json()
        clause_ids = [c["clause_id"] for c in detail["clauses"]]
        load = _Load(client, expected, clause_ids, [d["doc_id"] for d in docs], seed)
        reloads_before = server.metric("policy_index_reloads_total", outcome="loaded")
        refused_before = server.metric("policy_index_reloads_total", outcome="refused")

        started = time.monotonic()
        window_over = lambda: time.monotonic() - started >= seconds  # noqa: E731
        statuses: list[int] = []
        outputs: list[str] = []
        served: list[str] = []
        switched: dict[str, float] = {}
        first = current_name(index_dir)
        watch_stop = asyncio.Event()
        watcher = asyncio.create_task(_watch_builds(server.url, index_dir, watch_stop, served, switched))
        tasks = [asyncio.create_task(load.client_loop()) for _ in range(clients)]
        rebuilding = asyncio.create_task(
            asyncio.to_thread(_rebuild_loop, index_dir, corpus, window_over, statuses, outputs)
        )
        await asyncio.sleep(seconds)
        # Keep the load on until the last rebuild is done and its build is served (bounded: a rebuild
        # under full load on a busy 2-core machine has taken over two minutes).
        hard_stop = time.monotonic() + 300
        while time.monotonic() < hard_stop and not rebuilding.done():
            await asyncio.sleep(0.2)
        target = current_name(index_dir)
        while time.monotonic() < hard_stop and (not served or served[-1] != target):
            await asyncio.sleep(0.2)
        load.stop.set()
        await asyncio.gather(*tasks)
        report.seconds = time.monotonic() - started
        watch_stop.set()
        await watcher
        if not rebuilding.done():
            load.failures.append("the rebuilds did not finish within five minutes after the window")
        await rebuilding

    times = [seconds_taken for _, seconds_taken in load.latencies]
    report.requests = len(times)
    report.failures = len(load.failures)
    report.failure_samples = sorted(set(load.failures))[:10]
    report.throughput = report.requests / report.seconds if report.seconds else 0.0
    report.p50_ms, report.p95_ms, report.p99_ms = (1000 * _percentile(times, q) for q in (50, 95, 99))
    report.ask_p99_ms = 1000 * _percentile([t for kind, t in load.latencies if kind.startswith("ask")], 99)
    report.max_ms = 1000 * max(times, default=0.0)
    report.by_kind = {
        kind: sum(1 for k, _ in load.latencies if k == kind) for kind in sorted({k for k, _ in load.latencies})
    }
    report.rebuilds = sum(1 for status in statuses if status == 0)
    report.rebuild_failures = len(statuses) - report.rebuilds
    report.failure_samples += outputs[:3]
    report.reloads = int(server.metric("policy_index_reloads_total", outcome="loaded") - reloads_before)
    report.refused = int(server.metric("policy_index_reloads_total", outcome="refused") - refused_before)
    report.builds_served = served
    report.max_reload_lag_s = max(reload_lags(server, switched, first), default=0.0)
    if served and served[-1] != current_name(index_dir):
        report.max_reload_lag_s = float("inf")  # the last build was never served
    return report


def run_load_test(
    source_index: Path,
    corpus: Path,
    workdir: Path,
    *,
    clients: int,
    seconds: float,
    embeddings: Path | None = None,
    reload_seconds: float = 2.0,
) -> tuple[LoadReport, ServerProcess]:
    """Copy the index, serve it, load it while rebuilding; the server is stopped before returning."""
    index_dir = copy_index(source_index, workdir / "index", embeddings)
    # Brought up to date first, not under load: if the copied build or its embedding cache is from
    # older code, this run embeds what changed (minutes), so that the rebuilds under load embed nothing.
    prepared = run_index(index_dir, corpus, force=False, timeout=3600)
    if prepared.returncode != 0:
        raise RuntimeError(f"cannot prepare the index copy: {prepared.stderr.strip()}")
    server = ServerProcess.start(index_dir, workdir / "server.log", reload_seconds=reload_seconds)
    try:
        report = asyncio.run(run_load(server, index_dir, corpus, clients=clients, seconds=seconds))
    finally:
        server.stop()
    return report, server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seconds", type=float, default=60.0, help="load window in seconds (default 60)")
    parser.add_argument(
        "--index-dir",
        type=Path,
        default=ROOT / "index",
        help="index to copy and serve (default: index/); it is never written to",
    )
    parser.add_argument("--corpus", type=Path, default=SEED_CORPUS, help="corpus the rebuilds index (default: corpus/)")
    parser.add_argument("--reload-seconds", type=float, default=2.0, help="the server's POLICY_RELOAD_SECONDS")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (server log, index copy)")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 256 or not 1 <= args.seconds <= 600:
        parser.error("--clients must be 1-256 and --seconds 1-600")
    workdir = Path(tempfile.mkdtemp(prefix="policy-load-"))
    try:
        source = args.index_dir
        if not (source / "CURRENT").is_file():
            print(f"no index in {source}: building one in {workdir} first (embedding takes minutes)", file=sys.stderr)
            done = run_index(workdir / "seed-index", args.corpus, timeout=3600, quiet=False, force=False)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 2
            source = workdir / "seed-index"
        report, server = run_load_test(
            source, args.corpus, workdir, clients=args.clients, seconds=args.seconds, reload_seconds=args.reload_seconds
        )
        print(json.dumps(asdict(report), ensure_ascii=False, indent=1) if args.json else report.summary())
        for sample in report.failure_samples:
            print(f"  failure: {sample}")
        if args.keep:
            print(f"server log: {server.log_path}")
        return 0 if report.ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
