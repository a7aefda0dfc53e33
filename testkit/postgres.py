"""A throw-away PostgreSQL server from Debian's package, for tests that need the real thing and
need to stop and restart it (fault tests).

The server runs as the ``postgres`` system user (``initdb`` refuses root) on a free loopback port,
with its socket and data in a private temporary directory that :meth:`PostgresServer.remove`
deletes. Tests that cannot have it (no package, no such user) are skipped by :func:`postgres_server`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One cluster with one database, ``pricescope``; :attr:`url` is its SQLAlchemy URL."""

    def __init__(self, bin_dir: Path, owner: pwd.struct_passwd) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="pricescope-pg-"))
        os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/pricescope"

    def _as_postgres(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def create(self) -> None:
        """initdb, start, createdb."""
        init = self._as_postgres("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        assert init.returncode == 0, init.stderr
        self.start()
        created = self._as_postgres(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "pricescope"
        )
        assert created.returncode == 0, created.stderr

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "log")
        started = self._as_postgres(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start"
        )
        assert started.returncode == 0, started.stderr + (self.root / "log").read_text()

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: open connections are cut, as in an outage."""
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def postgres_server() -> PostgresServer | str:
    """A created, running server; or why there can be none here (for ``pytest.skip``)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        return "PostgreSQL is not installed (.ci/install-test-deps installs Debian's postgresql)"
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        return "no 'postgres' system user to run the server as"
    server = PostgresServer(bin_dir, owner)
    try:
        server.create()
    except BaseException:
        server.remove()
        raise
    return server
