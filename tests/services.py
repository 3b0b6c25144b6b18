"""Servers of a test's own (redis-server, PostgreSQL) on free loopback ports, stopped at once.

The machine's shared Redis and PostgreSQL are never stopped by a test; a test that needs an
outage starts its own and stops that.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.02)
    return False


class RedisServer:
    """`redis-server` on a free port of 127.0.0.1, without persistence."""

    available = shutil.which("redis-server") is not None

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        if not _wait_for_port(self.port, timeout=10):
            self.stop()
            raise RuntimeError(f"redis-server did not listen on {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


def _postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian/Ubuntu keep them per version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(
                       p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """A PostgreSQL cluster of the test's own: `initdb` in a temporary folder, a free port
    of 127.0.0.1, its socket in that folder, `fsync` off. `stop()` and `start()` take it down
    and up again (the outage a test wants); `destroy()` removes it.

    initdb refuses to run as root, so as root the server runs as the `postgres` user
    (`runuser`), in a folder that user owns."""

    bin_dir = _postgres_bin_dir()

    def __init__(self, *, database: str = "metachat"):
        self.port = free_port()
        self.database = database
        self.folder: Path | None = None

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why a cluster cannot be made on this machine, or None when it can."""
        if cls.bin_dir is None or not (cls.bin_dir / "pg_ctl").exists():
            return "PostgreSQL's server binaries (initdb, pg_ctl) are not installed"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no postgres user to run initdb as"
            if shutil.which("runuser") is None:
                return "running as root and runuser is not installed"
        return None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=self.folder, check=False)

    def _checked(self, *args: str, timeout: float = 60) -> None:
        done = self._run(*args, timeout=timeout)
        if done.returncode != 0:
            log = (self.folder / "server.log")
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr[-2000:]}"
                               f"\n{tail}")

    def create(self) -> "PostgresServer":
        """initdb, start, and create the database."""
        self.folder = Path(tempfile.mkdtemp(prefix="metachat-pg-"))
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        self._checked("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--no-sync", "--no-instructions")
        self.start()
        self._checked("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                      self.database)
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._checked("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                      "-o", options, "-w", "-t", "30", "start", timeout=40)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: every connection is cut, as in a failover or a restart)."""
        self._checked("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop",
                      timeout=40)

    def destroy(self) -> None:
        if self.folder is None:
            return
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "20",
                      "stop", timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
