"""Delivery: e-mail (SMTP with STARTTLS or TLS, login from the environment) and webhooks (JSON
POST, optional HMAC-SHA256 signature), with bounded retries, a time limit, and a record.

Each message to each destination is tried 1 + [alerts] retries times, waiting backoff_seconds
before the first retry and twice as long before each next one; only what may pass on a retry
is retried (a refused connection, a time-out, a 4xx reply of the mail server, an HTTP 5xx,
408 or 429), not what will not (a refused login, a rejected recipient, another HTTP 4xx, a
missing environment variable). Every outcome is appended to `alert-deliveries.jsonl` beside
the warehouse (the Alerts page shows it) and logged as a JSON line; `deliver()` never raises,
so a refresh's exit code and published state do not depend on a mail server or a webhook.
`send()` raises DeliveryError, in words, for `python -m etl alerts test`.

Secrets stay out of every message, log line and record: passwords and webhook secrets are
read from the environment at send time, and a webhook address is named only by its scheme and
host (a bot's address often carries its key in the path or query).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from etl.alerts import messages
from etl.alerts.evaluate import Firing
from etl.core.alert_settings import AlertSettings, Destination
from etl.core.errors import DeskError
from etl.core.settings import Settings

Log = Callable[..., None]
USER_AGENT = "complaint-desk-alerts/1"


class DeliveryError(DeskError):
    """A message could not be delivered (after its retries)."""

    title = "An alert could not be delivered"


class _Permanent(Exception):
    """A failure a retry cannot mend."""


class _Transient(Exception):
    """A failure a retry may mend."""


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    payload: dict[str, Any]
    html: str | None = None  # an e-mail's HTML part (the weekly digest), beside the text


@dataclass(frozen=True)
class Delivery:
    """One message to one destination: the outcome, as recorded."""

    at: str
    destination: str
    kind: str
    ok: bool
    attempts: int
    error: str | None
    firing_id: int | None
    rule: str
    subject: str | None
    state: str
    version: int | None
    test: bool = False


def deliveries_path(warehouse_path: Path) -> Path:
    return warehouse_path.parent / "alert-deliveries.jsonl"


def record(warehouse_path: Path, delivery: Delivery) -> None:
    path = deliveries_path(warehouse_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(delivery), ensure_ascii=False) + "\n")


def recorded(warehouse_path: Path, limit: int = 5000) -> list[dict[str, Any]]:
    """The last `limit` deliveries recorded, oldest first (a torn line is skipped)."""
    path = deliveries_path(warehouse_path)
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out[-limit:]


def message(settings: Settings, firing: Firing) -> Message:
    cfg = settings.alerts
    fields = firing.fields()
    tz = ZoneInfo(settings.reporting_timezone)
    head = messages.title(fields, cfg.language)
    body = messages.text(fields, cfg.language, tz, cfg.dashboard_url)
    return Message(head, body, messages.payload(fields, head, body))


def _env(name: str, what: str, env: Mapping[str, str]) -> str:
    value = env.get(name, "")
    if not value:
        raise _Permanent(f"the environment variable {name} ({what}) is not set")
    return value


def _tls_context(ca_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise _Permanent(f"the CA file {ca_file} cannot be read ({exc})") from None
    return context


def _network_words(exc: BaseException, what: str, timeout: float) -> Exception:
    """A network failure in words, as a transient or permanent failure."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _Permanent(f"{what}: its certificate is not trusted ({exc.verify_message}); for a private "
                          "certificate authority set ca_file")
    if isinstance(exc, ssl.SSLError):
        return _Permanent(f"{what}: the TLS handshake failed ({exc.reason or exc})")
    if isinstance(exc, ConnectionRefusedError):
        return _Transient(f"cannot reach {what}: connection refused (is it running, are host and port right?)")
    if isinstance(exc, socket.gaierror):
        return _Permanent(f"cannot reach {what}: the host name does not resolve")
    if isinstance(exc, TimeoutError | socket.timeout):
        return _Transient(f"{what} did not answer within {timeout:g} s")
    if isinstance(exc, ConnectionError | smtplib.SMTPServerDisconnected):
        return _Transient(f"{what} closed the connection ({exc or type(exc).__name__})")
    return _Transient(f"cannot reach {what}: {exc or type(exc).__name__}")


def send_email(cfg: AlertSettings, dest: Destination, msg: Message, env: Mapping[str, str]) -> None:
    smtp = cfg.smtp
    where = f"the mail server {smtp.host}:{smtp.port}"
    mail = EmailMessage()
    mail["Subject"] = msg.title
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(dest.to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(msg.text)
    if msg.html is not None:
        mail.add_alternative(msg.html, subtype="html")
    login = None
    if smtp.username_env:
        login = (_env(smtp.username_env, "the mail login", env), _env(smtp.password_env, "the mail password", env))
    context = _tls_context(smtp.ca_file) if smtp.security != "none" else None
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=cfg.timeout_seconds, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=cfg.timeout_seconds)
        with client:
            client.ehlo()
            if smtp.security == "starttls":
                if not client.has_extn("starttls"):
                    raise _Permanent(f"{where} does not offer STARTTLS; the message was not sent in clear text")
                client.starttls(context=context)
                client.ehlo()
            if login is not None:
                client.login(*login)
            client.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise _Permanent(f"{where} refused the login of {login[0] if login else '?'} "
                         f"({exc.smtp_code} {_reply(exc.smtp_error)})") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(f"{a} ({c} {_reply(e)})" for a, (c, e) in exc.recipients.items())
        raise _Permanent(f"{where} refused the recipients {refused}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise _Permanent(f"{where}: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        kind = _Transient if 400 <= exc.smtp_code < 500 else _Permanent
        raise kind(f"{where} answered {exc.smtp_code} {_reply(exc.smtp_error)}") from None
    except (_Permanent, _Transient):
        raise
    except (OSError, smtplib.SMTPException) as exc:
        raise _network_words(exc, where, cfg.timeout_seconds) from None


def _reply(raw: bytes | str) -> str:
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    return messages.plain(text)[:200]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_a: Any, **_k: Any) -> None:  # a redirect is an answer, not followed
        return None


def body_of(dest: Destination, msg: Message) -> bytes:
    if dest.format == "slack":
        data: dict[str, Any] = {"text": f"{msg.title}\n{msg.text}"}
    elif dest.format in ("wecom", "dingtalk"):
        data = {"msgtype": "text", "text": {"content": f"{msg.title}\n{msg.text}"}}
    else:
        data = msg.payload
    return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """The signature header's value: sha256=<hex HMAC-SHA256 of the body with the secret>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def post_webhook(cfg: AlertSettings, dest: Destination, msg: Message, env: Mapping[str, str]) -> None:
    url = dest.url or _env(dest.url_env, "the webhook address", env)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Permanent(f"the webhook address of {dest.name} is not an http(s) address")
    where = f"the webhook {parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"
    body = body_of(dest, msg)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    if dest.secret_env:
        headers[dest.signature_header] = signature(_env(dest.secret_env, "the webhook secret", env), body)
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if parts.scheme == "https":
        handlers.append(urllib.request.HTTPSHandler(context=_tls_context(dest.ca_file)))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request, timeout=cfg.timeout_seconds) as response:
            response.read(65536)
    except urllib.error.HTTPError as exc:
        kind = _Transient if exc.code >= 500 or exc.code in (408, 429) else _Permanent
        raise kind(f"{where} answered {exc.code} {messages.plain(exc.reason)[:100]}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, BaseException) else OSError(str(exc.reason))
        raise _network_words(reason, where, cfg.timeout_seconds) from None
    except (OSError, ValueError) as exc:
        raise _network_words(exc, where, cfg.timeout_seconds) from None


SENDERS: dict[str, Callable[[AlertSettings, Destination, Message, Mapping[str, str]], None]] = {
    "email": send_email, "webhook": post_webhook}


def send(cfg: AlertSettings, dest: Destination, msg: Message, env: Mapping[str, str] | None = None,
         sleep: Callable[[float], None] = time.sleep) -> int:
    """Send `msg` to `dest` with the retries of the settings; the number of attempts it took.
    Raises DeliveryError (its attempts in `.attempts`) when every attempt failed."""
    env = os.environ if env is None else env
    wait = cfg.backoff_seconds
    attempts = 1 + cfg.retries
    for attempt in range(1, attempts + 1):
        try:
            SENDERS[dest.kind](cfg, dest, msg, env)
            return attempt
        except _Permanent as exc:
            error = DeliveryError(f"{dest.name}: {exc} (not retried)")
            error.attempts = attempt  # type: ignore[attr-defined]
            raise error from None
        except _Transient as exc:
            if attempt == attempts:
                error = DeliveryError(f"{dest.name}: {exc} (after {attempt} attempt{'s' if attempt > 1 else ''})")
                error.attempts = attempt  # type: ignore[attr-defined]
                raise error from None
            sleep(wait)
            wait *= 2
    raise AssertionError("unreachable")


def deliver(settings: Settings, firings: list[Firing], log: Log | None = None,
            env: Mapping[str, str] | None = None) -> list[Delivery]:
    """Send every deliverable firing to its rule's destinations; record and log each outcome.
    Never raises (a failure is a recorded outcome)."""
    log = log or (lambda *_a, **_k: None)
    cfg = settings.alerts
    out: list[Delivery] = []
    for firing in firings:
        if not firing.deliver:
            continue
        try:
            names = firing.notify if firing.notify is not None else tuple(cfg.destinations)
            targets = [cfg.destinations[n] for n in names if n in cfg.destinations]
            if not targets:
                log("alert_not_delivered", rule=firing.rule, subject=firing.subject, state=firing.state,
                    detail="no destination is configured ([alerts.destinations])")
                continue
            msg = message(settings, firing)
        except Exception as exc:  # a bug in composing: logged, the others still go
            log("alert_delivery_failed", rule=firing.rule, error=messages.plain(f"{type(exc).__name__}: {exc}"))
            continue
        for dest in targets:
            out.append(_deliver_one(settings, firing, dest, msg, log, env))
    return out


def _deliver_one(settings: Settings, firing: Firing, dest: Destination, msg: Message, log: Log,
                 env: Mapping[str, str] | None) -> Delivery:
    try:
        attempts, error = send(settings.alerts, dest, msg, env), None
    except DeliveryError as exc:
        attempts, error = getattr(exc, "attempts", 1), exc.detail
    except Exception as exc:  # never let a delivery fail the caller
        attempts, error = 1, messages.plain(f"{dest.name}: {type(exc).__name__}: {exc}")
    delivery = Delivery(at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), destination=dest.name,
                        kind=dest.kind, ok=error is None, attempts=attempts, error=error,
                        firing_id=firing.firing_id or None, rule=firing.rule, subject=firing.subject,
                        state=firing.state, version=firing.version, test=firing.state == "test")
    try:
        record(settings.warehouse_path, delivery)
    except OSError as exc:
        log("alert_delivery_not_recorded", destination=dest.name, error=str(exc))
    if error is None:
        log("alert_delivered", rule=firing.rule, subject=firing.subject, state=firing.state,
            destination=dest.name, kind=dest.kind, attempts=attempts)
    else:
        log("alert_delivery_failed", rule=firing.rule, subject=firing.subject, state=firing.state,
            destination=dest.name, kind=dest.kind, attempts=attempts, error=error)
    return delivery
