"""The invitation and password-reset mails: text and HTML, in the recipient's language (Dutch
unless their account, or the invitation, says otherwise), through the digest's SMTP settings
(`server.digest_mail.Mailer.send`).

The pages send them in a background task after the answer has gone out, so a slow or absent
mail server neither delays the page nor, for a reset, tells by its time whether an account
exists. A mail that cannot be sent is logged; the administrator can resend an invitation, the
colleague can ask for another reset link.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

import aiosmtplib

from server.context import AppContext
from server.digest_mail import Mailer, header_text
from services.errors import N_

log = logging.getLogger("kring.account_mail")


@dataclass(frozen=True)
class LinkMail:
    """One mail with one link: who gets it, in which language, and what it says."""

    template: str  # "invitation" or "password_reset" under web/templates/mail/
    subject: str  # an English msgid with %(org)s
    to_name: str
    to_email: str
    locale: str | None
    url: str
    expires_at: datetime
    inviter: str = ""


INVITATION_SUBJECT = N_("You are invited to %(org)s")
RESET_SUBJECT = N_("Set a new password for %(org)s")


def invitation_url(ctx: AppContext, raw: str) -> str:
    return f"{ctx.settings.base_url.rstrip('/')}/invitation/{raw}"


def reset_url(ctx: AppContext, raw: str) -> str:
    return f"{ctx.settings.base_url.rstrip('/')}/password/reset/{raw}"


def compose(ctx: AppContext, mail: LinkMail) -> EmailMessage:
    settings = ctx.settings
    locale = mail.locale or settings.locale
    translations = ctx.catalogs.get(locale)
    base = settings.base_url.rstrip("/")
    org_name = ctx.branding.current().name
    context = {
        "name": mail.to_name,
        "url": mail.url,
        "expires_at": mail.expires_at,
        "org_name": org_name,
        "inviter": mail.inviter,
        "base_url": base,
    }
    message = EmailMessage()
    message["Subject"] = translations.gettext(mail.subject) % {"org": org_name}
    message["From"] = settings.mail_from
    message["To"] = formataddr((header_text(mail.to_name), mail.to_email))
    message["Message-ID"] = make_msgid(domain=urlsplit(base).hostname or "kring")
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = locale
    message.set_content(ctx.templates.render(locale, f"mail/{mail.template}.txt", context))
    message.add_alternative(ctx.templates.render(locale, f"mail/{mail.template}.html", context), subtype="html")
    return message


async def send(ctx: AppContext, mail: LinkMail) -> None:
    """Send `mail`; a failure is logged, never raised (this runs after the answer)."""
    mailer = Mailer(ctx.settings, ctx.db, ctx.catalogs, ctx.templates)
    try:
        await mailer.send(compose(ctx, mail))
    except (aiosmtplib.SMTPException, OSError, RuntimeError) as exc:
        log.warning("the %s mail to %s was not sent: %s", mail.template, mail.to_email, exc)
