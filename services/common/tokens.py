"""Short-lived tokens the gateway signs (Ed25519) and services verify with the public key."""

import time
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ALGORITHM = "EdDSA"
TOKEN_SECONDS = 120

# A service may read these others on the caller's behalf with the token it was given:
# the token names them as audiences too, so the caller's role and towns apply there as well.
DELEGATES = {"assets": ("registry",), "assessment": ("registry", "assets")}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a person signed in at the gateway, or another system's API client."""

    subject: str
    role: str
    name: str = ""
    towns: tuple[str, ...] = ()
    kind: str = "user"
    claims: dict = field(default_factory=dict, compare=False, repr=False)


def ensure_keypair(key_dir: Path) -> tuple[Path, Path]:
    """Make the gateway's signing key pair on first run; keep it afterwards."""
    key_dir.mkdir(parents=True, exist_ok=True)
    private, public = key_dir / "gateway-private.pem", key_dir / "gateway-public.pem"
    if not private.exists():
        key = Ed25519PrivateKey.generate()
        private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        private.chmod(0o600)
        public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


class TokenSigner:
    def __init__(self, private_pem: str, issuer: str, seconds: int = TOKEN_SECONDS):
        self.key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        self.issuer = issuer
        self.seconds = seconds

    def sign(self, principal: Principal, audience: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        claims = {"sub": principal.subject, "role": principal.role, "name": principal.name,
                  "towns": list(principal.towns), "kind": principal.kind, "iss": self.issuer,
                  "aud": [audience, *DELEGATES.get(audience, ())], "iat": int(now),
                  "exp": int(now) + self.seconds}
        return jwt.encode(claims, self.key, algorithm=ALGORITHM)


class TokenVerifier:
    """Verifies tokens; remembers verified ones until they expire, as verifying costs more than a lookup."""

    def __init__(self, public_pem: str, issuer: str, audience: str, cache_size: int = 4096):
        self.key = serialization.load_pem_public_key(public_pem.encode())
        self.issuer = issuer
        self.audience = audience
        self.cache: dict[str, Principal] = {}
        self.cache_size = cache_size

    def verify(self, token: str) -> Principal:
        cached = self.cache.get(token)
        if cached is not None and cached.claims["exp"] > time.time():
            return cached
        claims = jwt.decode(token, self.key, algorithms=[ALGORITHM], issuer=self.issuer,
                            audience=self.audience, options={"require": ["exp", "sub", "role", "aud", "iss"]})
        principal = Principal(subject=claims["sub"], role=claims["role"], name=claims.get("name", ""),
                              towns=tuple(claims.get("towns", ())), kind=claims.get("kind", "user"),
                              claims=claims)
        if len(self.cache) >= self.cache_size:
            self.cache.clear()
        self.cache[token] = principal
        return principal
