"""The digest mail: rendered in the colleague's language, sent through KRING_SMTP_URL.

`send_due` is the one entry point, run by `python -m server digest` (cron) and, with
KRING_DIGEST_ENABLED, by a periodic task in each server process. Claiming happens in the
database (services.digest), so any number of them running at once send each digest once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import aiosmtplib

from config import Settings
from models.base import utcnow
from models.database import SessionMaker
from server.i18n import Catalogs
from server.notification_texts import NAMES_ITS_SUBJECT, describe
from server.templating import Templates
from services import digest as digests
from services.digest import Digest

log = logging.getLogger("kring.digest")


def unsubscribe_token(settings: Settings, user_id: int) -> str:
    return hmac.new(settings.secret, f"unsubscribe:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def token_matches(settings: Settings, user_id: int, token: str) -> bool:
    return hmac.compare_digest(unsubscribe_token(settings, user_id), token)


def unsubscribe_url(settings: Settings, user_id: int) -> str:
    return f"{settings.base_url.rstrip('/')}/unsubscribe/{user_id}/{unsubscribe_token(settings, user_id)}"


def header_text(text: str) -> str:
    """`text` fit for a mail header: no line breaks or other control or formatting characters
    (names stored before they were refused may hold them; a header refuses them outright)."""
    kept = "".join(
        " " if category in {"Cc", "Zl", "Zp"} else char
        for char, category in ((char, unicodedata.category(char)) for char in text)
        if category != "Cf"
    )
    return " ".join(kept.split())


@dataclass(frozen=True)
class Mailer:
    settings: Settings
    db: SessionMaker
    catalogs: Catalogs
    templates: Templates

    def compose(self, digest: Digest) -> EmailMessage:
        settings = self.settings
        locale = digest.user.locale or settings.locale
        translations = self.catalogs.get(locale)
        base = settings.base_url.rstrip("/")
        items = [
            {
                "text": describe(line, translations),
                "title": "" if line.notification.kind in NAMES_ITS_SUBJECT else line.notification.title,
                "detail": line.notification.detail,
                "url": base + line.notification.url,
                "at": line.notification.updated_at,
            }
            for line in digest.lines
        ]
        context = {
            "user": digest.user,
            "items": items,
            "direct": digest.direct,
            "org_name": settings.org_name,
            "base_url": base,
            "unsubscribe_url": unsubscribe_url(settings, digest.user.id or 0),
            "settings_url": f"{base}/notifications/settings",
        }
        message = EmailMessage()
        message["Subject"] = translations.gettext("What you missed in %(org)s") % {"org": settings.org_name}
        message["From"] = settings.mail_from
        message["To"] = formataddr((header_text(digest.user.name), digest.user.email))
        message["Message-ID"] = make_msgid(domain=urlsplit(base).hostname or "kring")
        message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        message["Content-Language"] = locale
        message.set_content(self.templates.render(locale, "mail/digest.txt", context))
        message.add_alternative(self.templates.render(locale, "mail/digest.html", context), subtype="html")
        return message

    async def send(self, message: EmailMessage) -> None:
        if self.settings.smtp_url is None:
            raise RuntimeError("KRING_SMTP_URL is not set: there is no mail server to send digests through")
        url = urlsplit(self.settings.smtp_url)
        await aiosmtplib.send(
            message,
            hostname=url.hostname,
            port=url.port or {"smtps": 465, "smtp+starttls": 587}.get(url.scheme, 25),
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_tls=url.scheme == "smtps",
            start_tls=url.scheme == "smtp+starttls",
            timeout=30,
        )

    async def send_due(self, now: datetime | None = None, *, hour: int = 0) -> int:
        """Send every digest that is due now; returns how many mails went out."""
        now = now or utcnow()
        zone = ZoneInfo(self.settings.timezone)
        async with self.db() as db:
            user_ids = await digests.due(db, now, zone, hour=hour)
        sent = 0
        for user_id in user_ids:
            async with self.db() as db:
                digest = await digests.take(db, user_id, now, zone, hour=hour)
                if digest is None or digest.empty:
                    continue
                try:
                    await self.send(self.compose(digest))
                except (aiosmtplib.SMTPException, OSError) as exc:
                    log.warning("digest for user %s not sent, will retry: %s", user_id, exc)
                    await digests.give_back(db, digest)
                    continue
                except Exception:
                    # Whatever one colleague's digest holds must not cost the others theirs:
                    # give this one back (the next run tries again) and go on.
                    log.exception("digest for user %s could not be made; given back", user_id)
                    await digests.give_back(db, digest)
                    continue
                sent += 1
        return sent

    async def run_forever(self) -> None:
        """The periodic task: after the organisation's digest hour, send what is due. It waits one
        interval first, so a restarting fleet does not query all at once."""
        while True:
            await asyncio.sleep(self.settings.digest_check_seconds)
            try:
                await self.send_due(hour=self.settings.digest_hour)
            except Exception:
                log.exception("the digest run failed; trying again later")
