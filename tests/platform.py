"""The four real processes, started for end-to-end tests on free loopback ports."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
APPS = {"gateway": "gateway.app:create_app", "registry": "services.registry.app:create_app",
        "assessment": "services.assessment.app:create_app", "assets": "services.assets.app:create_app"}

# As in the Procfile and compose.yaml.
UVICORN_OPTIONS = ("--factory", "--no-access-log", "--http", "services.common.serving:HttpProtocol")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Platform:
    var_dir: Path
    database_urls: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def gateway(self) -> str:
        return self.url("gateway")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "REGISTRY_", "ASSESSMENT_",
                                                                         "ASSETS_"))}
        for name, url in self.database_urls.items():
            prefix = name.upper()
            env[f"{prefix}_DATABASE_URL"] = url
            env[f"{prefix}_VAR_DIR"] = str(self.var_dir)
            env[f"{prefix}_LOG_LEVEL"] = "WARNING"
        for name in ("registry", "assessment", "assets"):
            env[f"GATEWAY_{name.upper()}_URL"] = self.url(name)
        env["ASSETS_REGISTRY_URL"] = self.url("registry")
        env["ASSESSMENT_REGISTRY_URL"] = self.url("registry")
        env["ASSESSMENT_ASSETS_URL"] = self.url("assets")
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "zhenxing.cli", *args], cwd=ROOT, env=self.env(),
                              capture_output=True, text=True, check=check, timeout=120)

    def start(self, name: str) -> None:
        with open(self.var_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy of the file
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", APPS[name], *UVICORN_OPTIONS, "--host", "127.0.0.1",
                 "--port", str(self.ports[name])],
                cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        wait_ready(self.url(name) + "/healthz")

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        process.wait(timeout=15)

    def start_all(self) -> None:
        self.ports = {name: free_port() for name in APPS}
        self.cli("migrate")
        self.cli("load-demo")
        for name in ("registry", "assessment", "assets", "gateway"):
            self.start(name)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def wait_ready(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds} s")
