"""Settings of the service, in one place: environment variables (``WATEROPS_*``, and
``DATABASE_URL``), then an optional TOML file (``WATEROPS_CONFIG``), then the defaults.

The core packages take their parameters as arguments; only ``api/`` reads settings.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from limits import parse
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ops.calendar import OfficeHours
from ops.hydraulic_impact import NOTICE_HYDRAULIC_WAIT_S
from ops.notices.issuer import DEMO_HOTLINE, Issuer, check_hotline
from ops.outages import DEFAULT_LEAD, MIN_LEAD
from ops.plans import SolveTime

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CITY = ROOT / "sample_data" / "kaifeng.gpkg"
SAMPLE_ROSTER = ROOT / "sample_data" / "roster.csv"
MIN_KEY_BYTES = 32  # HS256: a key as long as the hash (RFC 7518 §3.2)
MIN_KEY_BITS = 128  # estimated from length and alphabet: refuses "aaaa…" and "abcabc…"
# where `waterops serve` listens by default, and so the public address it gives
HOST = "127.0.0.1"
PORT = 8000
HOUR = 3600.0

log = logging.getLogger("waterops.api")


class WeakSigningKey(ValueError):
    """The token signing key is missing, unreadable or too weak: the service does not start."""


class MissingSetting(ValueError):
    """A setting the service cannot run without is not set: the service does not start."""


class Settings(BaseSettings):
    """Every setting of the service; see ``docs/service.md``."""

    model_config = SettingsConfigDict(env_prefix="WATEROPS_", extra="ignore")

    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "WATEROPS_DATABASE_URL"),
        description="SQLAlchemy URL; empty: a SQLite file in the data directory",
    )
    data_dir: Path = Field(default=Path("data"), description="uploads, the SQLite file, keys")
    secret_key: str = Field(default="", description="JWT signing key; empty: see secret_key_file")
    secret_key_file: Path | None = Field(
        default=None,
        description="a file holding the JWT signing key, outside the data directory and its "
        "backups; neither set: a key generated once into data_dir (one machine, the demo)",
    )
    token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_hours: float = Field(
        default=12, gt=0, le=24 * 7, description="a token is renewed up to this long after sign-in"
    )
    max_upload_mb: float = Field(default=200.0, gt=0)
    max_body_kb: float = Field(
        default=1024.0, gt=0, description="any other request body (JSON, forms), in KiB"
    )
    sign_in_account_limit: str = Field(
        default="10 per 15 minutes",
        description="failed sign-ins per username before it is refused for a while (429)",
    )
    sign_in_address_limit: str = Field(
        default="30 per 15 minutes",
        description="failed sign-ins per client address (IPv6: per /64) before it is refused",
    )
    sample_network: Path | None = Field(
        default=SAMPLE_CITY, description="loaded as network 1 when the database has none"
    )
    sample_roster: Path | None = Field(default=SAMPLE_ROSTER)
    office_hours: str = str(OfficeHours())
    holidays_file: Path | None = None
    connection_rules: dict[str, Any] = Field(
        default_factory=dict,
        description="Table 1 rules a deployment sets (ops.connections.ConnectionRules): "
        "appointment_limits, fast_limits (rows of max_dn_mm, max_length_m, days; the last "
        "without bounds), day_reading (calendar | civil_code), papers_days, "
        "acceptance_working_days; a [connection_rules] table in the TOML file or JSON in "
        "WATEROPS_CONNECTION_RULES",
    )
    notice_lead_hours: float = Field(
        default=DEFAULT_LEAD.total_seconds() / HOUR,
        description="planned outages are published at least this long ahead; "
        f"{MIN_LEAD.total_seconds() / HOUR:g} h or more (城市供水条例 §22)",
    )
    hotline: str = Field(
        default="",
        max_length=40,
        description="required: the utility's own service hotline, printed on every notice "
        "(not 12319, the city-management line); the demo uses an invented number",
    )
    issuer_name_zh: str = Field(
        default="",
        max_length=100,
        description="required: the utility's full legal name in Chinese, signing its notices",
    )
    issuer_name_en: str = Field(
        default="", max_length=200, description="its English name (default: the Chinese one)"
    )
    authority_names_en: str = Field(
        default="",
        max_length=1000,
        description="the approving authorities' English names for the English notice, as "
        "中文名=English name, several separated by ';' (default: the Chinese name)",
    )
    sender: str = Issuer.sender
    public_url: str = Field(
        default="",
        max_length=500,
        description="required: the address the public reaches the service at (every notice "
        "links its page there, as do CAP, Atom and iCalendar); the demo uses where it listens",
    )
    solver_seconds: float = Field(
        default=SolveTime.day,
        gt=0,
        le=600,
        description="how long the solver searches for a day plan, s (a re-plan: at most "
        f"{SolveTime.replan_at_most:g} s)",
    )
    service_pressure_mpa: float = Field(
        default=0.14,
        gt=0,
        le=1.0,
        description="the service pressure of hydraulic impacts (isolation hydraulic=true), MPa: "
        "CJJ 207's 0.14 at the network's far ends",
    )
    notice_hydraulic_wait_s: float = Field(
        default=NOTICE_HYDRAULIC_WAIT_S,
        ge=0,
        le=600,
        description="a notice drafted without hydraulic true/false takes the hydraulic 降压区域 "
        "when the service has the network's model and it answers within this many seconds; "
        "else the topological one, saying why (docs/hydraulics.md)",
    )
    hydraulic_warm_up: bool = Field(
        default=True,
        description="at start, open in the background the EPANET engine of the loaded "
        "networks' first hydraulic query (their peak hour; an EPANET file's start), so it "
        "does not wait seconds for it (docs/hydraulics.md)",
    )
    planner_workers: int = Field(
        default=2, ge=1, le=32, description="planner processes per server process"
    )
    plans_per_user: int = Field(
        default=3, ge=1, le=100, description="plans one user may have queued or solving at once"
    )
    answer_cache: int = Field(
        default=4096, ge=0, description="isolation answers kept per network state (0: none)"
    )
    answer_cache_mb: float = Field(
        default=64, gt=0, description="and at most this many MiB of them per network state"
    )
    demo_clock: str = Field(
        default="",
        description="demos and tests only: the service's clock starts at this Kaifeng time "
        "(YYYY-MM-DDTHH:MM) and runs on from there; empty: the real time",
    )
    seed_demo_users: bool = False
    seed_demo_work: bool = Field(
        default=False, description="an empty job list gets a sample day of work (demo)"
    )
    map_tiles: str = Field(
        default="",
        description="background tile URL template ({z}/{x}/{y}) for the console's map; "
        "empty: no background, the console works offline",
    )
    map_attribution: str = Field(default="", max_length=500)
    # notice webhooks (docs/webhooks.md): attempt n waits backoff * 2**(n-1), at most
    # backoff_max, times a random 0.5-1 (jitter); after max_attempts the delivery is dead
    webhook_backoff_seconds: float = Field(default=10.0, gt=0, le=3600)
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0, le=86400)
    webhook_max_attempts: int = Field(default=20, ge=1, le=100)
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="for one delivery's answer"
    )
    webhook_hosts: str = Field(
        default="",
        max_length=2000,
        description="comma-separated hosts (names, addresses, or .domain for its hosts) webhooks "
        "may be sent to; set: only these; empty: any public host. A loopback, private or "
        "link-local host (the intranet, the cloud's metadata address) must be listed",
    )
    webhook_poll_seconds: float = Field(
        default=2.0, gt=0, le=60, description="how often the delivery worker looks for work"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = os.environ.get("WATEROPS_CONFIG")
        if config:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config)))
        return tuple(sources)

    @field_validator("sign_in_account_limit", "sign_in_address_limit")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a rate: write it as '10 per 15 minutes' or '30/hour'"
            ) from None
        return value

    @field_validator("hotline")
    @classmethod
    def _utilitys_own_line(cls, value: str) -> str:
        return check_hotline(value)  # not 12319 nor 12345: the city's lines, not the utility's

    @field_validator("notice_lead_hours")
    @classmethod
    def _lawful_lead(cls, value: float) -> float:
        least = MIN_LEAD.total_seconds() / HOUR
        if not value >= least:
            raise ValueError(
                f"notice_lead_hours {value:g} is below {least:g}: the 城市供水条例 (§22) "
                f"requires planned stoppages to be announced at least {least:g} h ahead; "
                f"set {least:g} or more"
            )
        return value

    def notice_issuer(self) -> Any:
        """Who signs the notices (:class:`ops.notices.Issuer`) and the hotline they give.

        Raises :class:`MissingSetting` when the hotline or the legal name is not set, except
        in the demo (``seed_demo_users``), which signs with invented names and says so.
        """
        public = self.public_url.strip().rstrip("/") or f"http://{HOST}:{PORT}"
        links: dict[str, Any] = {
            "sender": self.sender,
            "web": f"{public}/public/notices",
            "pages": f"{public}/outages",
            "authorities_en": tuple(
                (zh.strip(), en.strip())
                for zh, _, en in (
                    pair.partition("=") for pair in self.authority_names_en.split(";")
                )
                if zh.strip() and en.strip()
            ),
        }
        if self.hotline.strip() and self.issuer_name_zh.strip() and self.public_url.strip():
            issuer = Issuer(
                name_zh=self.issuer_name_zh.strip(),
                name_en=self.issuer_name_en.strip() or self.issuer_name_zh.strip(),
                demo=False,
                **links,
            )
            return issuer, self.hotline.strip()
        if self.seed_demo_users:
            return Issuer(demo=True, **links), self.hotline.strip() or DEMO_HOTLINE
        missing = [
            name
            for name, value in (
                ("WATEROPS_HOTLINE", self.hotline),
                ("WATEROPS_ISSUER_NAME_ZH", self.issuer_name_zh),
            )
            if not value.strip()
        ]
        if missing:
            raise MissingSetting(
                f"{' and '.join(missing)} not set: every outage notice gives the utility's own "
                "service hotline and is signed with its full legal name; set them in the "
                "environment or the TOML file (WATEROPS_CONFIG). 12319 is the city-management "
                "line, not a water utility's"
            )
        raise MissingSetting(
            "WATEROPS_PUBLIC_URL not set: every outage notice gives the address of its public "
            "page (and CAP, Atom and iCalendar link there), so the service must know the "
            "address the public reaches it at, e.g. https://water.example.cn; set it in the "
            "environment or the TOML file (WATEROPS_CONFIG)"
        )

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'waterops.sqlite3').resolve()}"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_kb * 1024)

    def signing_key(self) -> str:
        """The JWT key: ``WATEROPS_SECRET_KEY``, else the file ``WATEROPS_SECRET_KEY_FILE``,
        else one generated once into the data directory. A weak key is refused
        (:class:`WeakSigningKey`): whoever knows it can sign in as anyone."""
        if self.secret_key:
            return _strong(self.secret_key, "WATEROPS_SECRET_KEY")
        if self.secret_key_file is not None:
            path = self.secret_key_file
            try:
                text = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise WeakSigningKey(
                    f"the signing key file {path} cannot be read ({exc.strerror}): "
                    "check WATEROPS_SECRET_KEY_FILE"
                ) from None
            if path.stat().st_mode & 0o077:
                log.warning("the signing key file %s can be read by others: chmod 600 it", path)
            return _strong(text, f"the key file {path} (WATEROPS_SECRET_KEY_FILE)")
        path = self.data_dir / "secret.key"
        if path.exists():
            return _strong(path.read_text(encoding="utf-8").strip(), f"the key file {path}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(key)
        return key

    def calendar_config(self) -> dict[str, Any]:
        out: dict[str, Any] = {"hours": self.office_hours}
        if self.holidays_file is not None:
            out["holidays_file"] = str(self.holidays_file)
        return out


def _strong(key: str, where: str) -> str:
    size = len(key.encode())
    alphabet = len(set(key))
    bits = len(key) * math.log2(alphabet) if alphabet > 1 else 0.0
    if size < MIN_KEY_BYTES or bits < MIN_KEY_BITS:
        raise WeakSigningKey(
            f"{where}: the token signing key is too weak ({size} bytes, about {bits:.0f} bits; "
            f"at least {MIN_KEY_BYTES} random bytes are needed). Make one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` and set "
            "WATEROPS_SECRET_KEY_FILE to a file holding it (or WATEROPS_SECRET_KEY)"
        )
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
