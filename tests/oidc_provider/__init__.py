"""A real OpenID provider for the sign-on tests: the certified `oidc-provider` package (npm), run
with node, its version pinned in `package-lock.json` beside this file.

`npm ci` installs it once into `var/oidc-provider/<lock digest>/` of the repository (ignored by
git), so a fresh machine or CI needs only node and npm and the registry; without them the tests
fail with a message saying so, never skip. The provider signs with a key the test makes
(`SigningKey`), so a test can sign a token with the provider's own key to make the cases a
well-behaved provider never sends (an expired token, another nonce).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from harness import REPO, HarnessError, free_port, wait_for_port

HERE = Path(__file__).parent
CLIENT_ID = "kring"
CLIENT_SECRET = "kring-test-client-secret-0123456789abcdef"


class NodeMissing(RuntimeError):
    pass


def _installed() -> Path:
    """The provider's node_modules, installed once per lock file."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise NodeMissing(
                f"the sign-on tests need {tool} (node 20 or later with npm) to run a real OpenID provider: "
                "apt-get install -y nodejs npm"
            )
    lock = (HERE / "package-lock.json").read_bytes()
    target = REPO / "var" / "oidc-provider" / hashlib.sha256(lock).hexdigest()[:16]
    done = target / ".installed"
    if done.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, target / name)
    # Two xdist workers may both install: each into a folder of its own, then one rename wins.
    scratch = target.with_name(f"{target.name}.{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(target, scratch)
    result = subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=scratch,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise HarnessError(f"npm ci of the test OpenID provider failed:\n{result.stderr[-2000:]}")
    if not done.exists():
        shutil.rmtree(target / "node_modules", ignore_errors=True)
        (scratch / "node_modules").rename(target / "node_modules")
        done.touch()
    shutil.rmtree(scratch, ignore_errors=True)
    return target


@dataclass
class SigningKey:
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, parameters={"kid": "kring-test", "use": "sig", "alg": "RS256"}
        )
    )

    def private_jwk(self) -> dict[str, Any]:
        return dict(self.key.as_dict(private=True))

    def sign(self, claims: Mapping[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "kid": "kring-test"}, dict(claims), self.key)


class OpenIdProvider:
    """One running provider with one confidential client redirecting to `redirect_uri`."""

    def __init__(
        self,
        tmp: Path,
        *,
        redirect_uri: str,
        post_logout_redirect_uri: str,
        accounts: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = SigningKey()
        self.tmp = tmp
        self.config = {
            "port": self.port,
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": redirect_uri,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "signing_key": self.key.private_jwk(),
            "accounts": dict(accounts or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> OpenIdProvider:
        modules = _installed()
        config = self.tmp / "provider.json"
        config.write_text(json.dumps(self.config))
        self._log = log = (self.tmp / "provider.log").open("wb")
        env = {**os.environ, "NODE_PATH": str(modules / "node_modules"), "NODE_ENV": "development"}
        # ESM resolves packages from the script's folder upwards, so the script runs from there.
        script = modules / "provider.mjs"
        shutil.copyfile(HERE / "provider.mjs", script)
        self.process = subprocess.Popen(["node", str(script), str(config)], stdout=log, stderr=log, env=env)
        try:
            wait_for_port(self.port, what="the test OpenID provider")
            self._wait_discovery()
        except HarnessError:
            self.stop()
            raise HarnessError(
                f"the test OpenID provider did not start:\n{(self.tmp / 'provider.log').read_text()[-2000:]}"
            ) from None
        return self

    def _wait_discovery(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise HarnessError("the test OpenID provider gave no discovery document")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
