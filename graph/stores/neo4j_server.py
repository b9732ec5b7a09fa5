"""A local Neo4j 5.26 LTS Community server, assembled from Maven Central and run by the project.

``install`` copies ``org.neo4j:neo4j`` and its dependencies into ``HOME/lib`` with Maven (the pom
ships beside this module); ``start`` writes ``HOME/conf/neo4j.conf`` (Bolt on 127.0.0.1 only, HTTP
off unless asked, usage reporting off) and runs ``org.neo4j.server.CommunityEntryPoint`` on Java
17+, then waits until the driver connects; ``stop`` ends it. Nothing is downloaded from anywhere but
Maven Central, and a second start reuses the jars.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError

POM = Path(__file__).with_name("neo4j-server.pom.xml")
NEO4J_VERSION = re.search(r"<artifactId>neo4j</artifactId>\s*<version>([^<]+)</version>", POM.read_text()).group(1)
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
DEFAULT_USER = "neo4j"

# The JVM flags of Neo4j 5's own default configuration that matter on Java 17: open the JDK
# internals its page cache and Netty use, and keep stack traces and GC behaviour predictable.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
)


def default_home() -> Path:
    """``$EQUITYGRAPH_NEO4J_HOME`` if set, else ``./.neo4j``."""
    return Path(os.environ.get("EQUITYGRAPH_NEO4J_HOME") or ".neo4j")


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    uri: str | None
    home: str
    version: str = NEO4J_VERSION


class Neo4jServer:
    """One local server whose files live under ``home``.

    Parameters
    ----------
    home : folder for lib/, conf/, data/, logs/ and run/ (created as needed)
    port : Bolt port on 127.0.0.1
    lib : where the jars are (default HOME/lib); servers with other homes may share one
    """

    def __init__(self, home: str | os.PathLike | None = None, port: int = 7687, lib: str | os.PathLike | None = None):
        self.home = Path(home or default_home()).resolve()
        self.port = port
        self.lib = Path(lib).resolve() if lib else self.home / "lib"
        self._process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def _pid_file(self) -> Path:
        return self.home / "run" / "equitygraph-neo4j.json"

    # -- installing -------------------------------------------------------------------------
    def installed(self) -> bool:
        marker = self.lib / ".version"
        return marker.is_file() and marker.read_text().strip() == NEO4J_VERSION

    def install(self) -> None:
        """Copy the server's jars from Maven Central into ``HOME/lib`` (once per version)."""
        if self.installed():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise StoreError("Maven (mvn) is needed to assemble the Neo4j server from Maven Central; install it first")
        if self.lib.exists():
            shutil.rmtree(self.lib)
        self.lib.mkdir(parents=True)
        command = [mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies",
                   f"-DoutputDirectory={self.lib}", "-DincludeScope=runtime"]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not any(self.lib.glob(f"neo4j-{NEO4J_VERSION}.jar")):
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            raise StoreError(f"Maven could not assemble Neo4j {NEO4J_VERSION}: {' | '.join(tail) or 'no jars copied'}")
        (self.lib / ".version").write_text(NEO4J_VERSION + "\n")

    # -- running ----------------------------------------------------------------------------
    def status(self) -> ServerStatus:
        state = self._running()
        if state:
            return ServerStatus(True, state["pid"], f"bolt://127.0.0.1:{state['port']}", str(self.home))
        return ServerStatus(False, None, None, str(self.home))

    @property
    def password_file(self) -> Path:
        """Where the generated password of user neo4j is kept, readable by its owner only."""
        return self.home / "password"

    def stored_password(self) -> str | None:
        try:
            return self.password_file.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def start(self, password: str | None = None, heap: str = "2g", pagecache: str = "2g",
              http_port: int | None = None, timeout: float = 180.0, auth: bool = True) -> ServerStatus:
        """Start the server and wait until Bolt answers.

        Authentication is on unless ``auth`` is False. The password of user ``neo4j`` is
        ``password`` if given (at least 8 characters, as Neo4j requires), else one generated at the
        first start and kept in :attr:`password_file` (mode 0600), which the CLI reads by itself
        for this server's address; it is set at the server's first start.
        """
        current = self.status()
        if current.running:
            raise StoreError(f"Neo4j is already running from {self.home} (pid {current.pid}, {current.uri})")
        heap, pagecache = _memory_size("heap", heap), _memory_size("pagecache", pagecache)
        if password is not None and len(password) < 8:
            raise StoreError("a Neo4j password needs at least 8 characters")
        if not self.installed():
            self.install()
        if _port_in_use(self.port):
            raise StoreError(f"port {self.port} on 127.0.0.1 is already in use; choose another with --port")
        java = _java()
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        for folder in ("conf", "data", "logs", "run", "plugins"):
            (self.home / folder).mkdir(mode=0o700, parents=True, exist_ok=True)
        if not auth:
            password = None
        elif password is None:
            password = self.stored_password() or self._new_password()
        self._write_config(auth=password is not None, pagecache=pagecache, http_port=http_port)
        command = [java, f"-Xms{heap}", f"-Xmx{heap}", *JVM_FLAGS, "-cp", str(self.lib / "*"), ENTRY_POINT,
                   f"--home-dir={self.home}", f"--config-dir={self.home / 'conf'}"]
        console = open(self.home / "logs" / "console.log", "ab")
        self._process = subprocess.Popen(command, stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         cwd=self.home, start_new_session=True)
        console.close()
        # The settings stay beside the pid so a restart (after a bulk import) runs the server as before;
        # the start time tells this server from a later process that happens to get the same pid.
        self._pid_file.write_text(json.dumps({"pid": self._process.pid, "started": _start_time(self._process.pid),
                                              "port": self.port, "heap": heap, "pagecache": pagecache,
                                              "http_port": http_port, "auth": password is not None,
                                              "lib": str(self.lib)}))
        self._wait_until_ready(password, timeout)
        return self.status()

    def settings(self) -> dict | None:
        """How the running server was started (port, heap, pagecache, http_port, auth, lib); None if it is not running."""
        state = self._running()
        if not state:
            return None
        return {key: state.get(key) for key in ("port", "heap", "pagecache", "http_port", "auth", "lib")}

    # -- bulk import ------------------------------------------------------------------------
    def import_database(self, nodes: list[tuple[str, Path]], relationships: list[tuple[str, Path]],
                        database: str = "neo4j", multiline: bool = False, heap: str = "2g") -> None:
        """Build ``database`` from CSV files with ``neo4j-admin database import full``; the server must be stopped.

        ``nodes`` pairs labels (``"Entity:Company"``) with files, ``relationships`` types with files.
        The database's old files are moved aside first and put back if the importer fails, so a
        failed import leaves the database as it was. The importer's output goes to HOME/logs/import.log.
        """
        if self.status().running:
            raise StoreError(f"Neo4j is running from {self.home}; stop it before a bulk import")
        if not self.installed():
            self.install()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-]*", database):
            raise StoreError(f"cannot import into a database named {database!r}")
        data = self.home / "data"
        moved = []
        for folder in (data / "databases" / database, data / "transactions" / database):
            if folder.exists():
                aside = folder.with_name(folder.name + ".before-import")
                if aside.exists():
                    shutil.rmtree(aside)
                folder.rename(aside)
                moved.append((aside, folder))
        report = self.home / "logs" / "import.report"
        command = [_java(), f"-Xmx{heap}", *JVM_FLAGS, "-cp", str(self.lib / "*"), ADMIN_TOOL,
                   "database", "import", "full", database, "--verbose", "--id-type=string", "--array-delimiter=U+001E",
                   f"--multiline-fields={'true' if multiline else 'false'}", "--bad-tolerance=0",
                   f"--report-file={report}", "--threads=" + str(os.cpu_count() or 2)]
        command += [f"--nodes={label}={path}" for label, path in nodes]
        command += [f"--relationships={rel_type}={path}" for rel_type, path in relationships]
        env = {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.home / "conf")}
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=self.home)
            log = self.home / "logs" / "import.log"
            log.write_text(done.stdout + done.stderr)
            if done.returncode != 0:
                raise StoreError(f"the Neo4j importer failed (exit code {done.returncode}): "
                                 f"{_import_failure(done.stdout + done.stderr)} (its output: {log})")
        except BaseException:  # also an interrupt: the old database goes back in every case
            for folder in (data / "databases" / database, data / "transactions" / database):
                shutil.rmtree(folder, ignore_errors=True)
            for aside, folder in moved:
                aside.rename(folder)
            raise
        for aside, _ in moved:
            shutil.rmtree(aside, ignore_errors=True)

    def _new_password(self) -> str:
        import secrets

        password = secrets.token_urlsafe(18)
        self.password_file.unlink(missing_ok=True)
        with open(self.password_file, "w", encoding="utf-8",
                  opener=lambda name, flags: os.open(name, flags | os.O_EXCL, 0o600)) as f:
            f.write(password + "\n")
        return password

    def _write_config(self, auth: bool, pagecache: str, http_port: int | None) -> None:
        settings = {
            "server.directories.data": self.home / "data",
            "server.directories.logs": self.home / "logs",
            "server.directories.run": self.home / "run",
            "server.directories.plugins": self.home / "plugins",
            "server.directories.lib": self.lib,
            "server.default_listen_address": "127.0.0.1",
            "server.bolt.enabled": "true",
            "server.bolt.listen_address": f"127.0.0.1:{self.port}",
            "server.http.enabled": "true" if http_port else "false",
            "server.https.enabled": "false",
            "dbms.security.auth_enabled": "true" if auth else "false",
            "dbms.usage_report.enabled": "false",
            "server.memory.pagecache.size": pagecache,
            "db.tx_log.rotation.retention_policy": "2 files",
            # Bolt waits two 5 s quiet periods on shutdown by default; a local server need not.
            "internal.dbms.bolt.netty_server_shutdown_quiet_period": "0",
            "internal.server.bolt.connection_shutdown_wait_time": "1s",
        }
        if http_port:
            settings["server.http.listen_address"] = f"127.0.0.1:{http_port}"
        for key, value in settings.items():
            if any(ch in str(value) for ch in "\n\r\x00"):  # a line break would add a setting of its own
                raise StoreError(f"cannot write {key} to neo4j.conf: {str(value)!r} holds a line break")
        text = "".join(f"{key}={value}\n" for key, value in settings.items())
        (self.home / "conf" / "neo4j.conf").write_text("# written by equitygraph neo4j start\n" + text)

    def _wait_until_ready(self, password: str | None, timeout: float) -> None:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable

        deadline = time.monotonic() + timeout
        first_password = password is not None and not (self.home / "data" / ".equitygraph-password-set").exists()
        auth = None if password is None else (DEFAULT_USER, "neo4j" if first_password else password)
        while True:
            if self._process.poll() is not None:
                self._pid_file.unlink(missing_ok=True)
                raise StoreError(f"Neo4j stopped while starting (exit code {self._process.returncode}): {self._log_tail()}")
            try:
                with GraphDatabase.driver(self.uri, auth=auth) as driver:
                    driver.verify_connectivity()
                    if first_password:
                        driver.execute_query("ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
                                             old="neo4j", new=password, database_="system")
                        (self.home / "data" / ".equitygraph-password-set").write_text("")
                        first_password, auth = False, (DEFAULT_USER, password)
                        continue
                    return
            except (ServiceUnavailable, OSError):
                pass
            except (AuthError, ClientError) as e:
                self.stop()
                raise StoreError(f"Neo4j started but refused the credentials: {e.message}") from None
            if time.monotonic() > deadline:
                self.stop()
                raise StoreError(f"Neo4j did not answer on {self.uri} within {timeout:.0f} s: {self._log_tail()}")
            time.sleep(0.5)

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout``); False if it was not running."""
        state = self._running()
        if not state:
            self._pid_file.unlink(missing_ok=True)
            return False
        self._signal(state["pid"], signal.SIGTERM)
        if not self._wait_gone(state["pid"], timeout):
            self._signal(state["pid"], signal.SIGKILL)
            self._wait_gone(state["pid"], 10)
        self._pid_file.unlink(missing_ok=True)
        return True

    def kill(self) -> None:
        """Kill the server at once, as a crash would (for tests of recovery)."""
        state = self._running()
        if state:
            self._signal(state["pid"], signal.SIGKILL)
            self._wait_gone(state["pid"], 10)
        self._pid_file.unlink(missing_ok=True)

    # -- helpers ----------------------------------------------------------------------------
    def _signal(self, pid: int, sig: int) -> None:
        try:
            os.killpg(pid, sig)  # the server leads its own session: reach the JVM and anything it forked
        except ProcessLookupError:
            pass

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.pid == pid:
                try:
                    self._process.wait(timeout=0.2)
                    return True
                except subprocess.TimeoutExpired:
                    continue
            if not _alive(pid):
                return True
            time.sleep(0.2)
        return False

    def _running(self) -> dict | None:
        """What the pid file says of the server, if that server is alive and is the Neo4j started
        from this home: a stale pid file may name a process that has nothing to do with it."""
        try:
            state = json.loads(self._pid_file.read_text())
            pid = int(state["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not _alive(pid) or not self._is_ours(pid, state.get("started")):
            return None
        return state

    def _is_ours(self, pid: int, started) -> bool:
        if self._process is not None and self._process.pid == pid and self._process.poll() is None:
            return True
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False  # nothing to tell it by: never signal a process that may be a stranger's
        ours = ENTRY_POINT.encode() in command and f"--home-dir={self.home}".encode() in command
        return ours and (started is None or _start_time(pid) == started)

    def _log_tail(self) -> str:
        lines = []
        for name in ("console.log", "neo4j.log"):
            path = self.home / "logs" / name
            if path.exists():
                lines += [line for line in path.read_text(errors="replace").splitlines() if line.strip()][-3:]
        return " | ".join(lines[-4:]) or "no log output"


def _start_time(pid: int) -> int | None:
    """When a process started (clock ticks since boot), to tell it from a later one with its pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


_MEMORY = re.compile(r"[1-9][0-9]{0,6}[kKmMgG]?")


def _memory_size(option: str, value: str) -> str:
    """A heap or page-cache size as the JVM and neo4j.conf take it (``512m``, ``2g``), else a clear error."""
    if not isinstance(value, str) or not _MEMORY.fullmatch(value):
        raise StoreError(f"--{option}: {value!r} is not a memory size like 512m or 2g")
    return value


def on_loopback(uri: str) -> str:
    """``uri`` with the host name ``localhost`` written as 127.0.0.1.

    Examples
    --------
    >>> on_loopback("bolt://localhost:7687"), on_loopback("neo4j://db.example:7687")
    ('bolt://127.0.0.1:7687', 'neo4j://db.example:7687')
    """
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(uri)
        if (parts.hostname or "").lower() != "localhost":
            return uri
        netloc = parts.netloc.rsplit("@", 1)
        netloc[-1] = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc="@".join(netloc)))
    except ValueError:
        return uri


def local_password(uri: str) -> str | None:
    """The stored password of the local server (``EQUITYGRAPH_NEO4J_HOME`` or ./.neo4j) when ``uri``
    is its Bolt address on 127.0.0.1 and it runs with authentication on; None otherwise (also for
    ``localhost``, which may resolve to another server on ::1: :func:`on_loopback` first)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
        host, port = parts.hostname, parts.port or 7687
    except ValueError:
        return None
    if host != "127.0.0.1":
        return None
    server = Neo4jServer(default_home())
    settings = server.settings()
    if not settings or settings.get("port") != port or not settings.get("auth"):
        return None
    return server.stored_password()


def _import_failure(output: str) -> str:
    """The importer's own words for why it failed: the innermost cause it printed, else its last lines."""
    causes = re.findall(r"^Caused by: [\w.$]+: (.+)$", output, flags=re.MULTILINE)
    if causes:
        return causes[-1].strip()
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line.lstrip().startswith("at ")]
    return " | ".join(lines[-3:]) or "no output"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited; only its parent has not reaped it yet
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _java() -> str:
    """A Java 17 or newer: ``$JAVA_HOME/bin/java`` if set, else ``java`` on the PATH."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        raise StoreError("Java 17 or newer is needed to run Neo4j; none was found (set JAVA_HOME)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)', out)
    if not match or int(match.group(1)) < 17:
        raise StoreError(f"Neo4j {NEO4J_VERSION} needs Java 17 or newer; {java} is {match.group(1) if match else 'unknown'}")
    return java


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
