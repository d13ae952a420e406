"""Delivering an alert: an email through the company's SMTP server, or a JSON POST."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

import httpx

from ipaas.connectors.http import BlockedHostError, is_metadata_host, refuse_metadata_url
from ipaas.store.notifications import SmtpSettings

TIMEOUT = 10.0


class DeliveryError(Exception):
    """The alert could not be delivered; the message names the channel, never a secret."""


def send_email(smtp: SmtpSettings, password: str | None, to: str, subject: str, text: str) -> None:
    """Send a plain-text email (``security``: none, starttls or ssl)."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    if is_metadata_host(smtp.host):
        raise DeliveryError(f"email to {to} refused: the SMTP host is a cloud metadata address")
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.username and password:
                client.login(smtp.username, password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"email to {to} failed: {type(exc).__name__}") from None


def post_json(url: str, payload: dict[str, Any], transport: Any = None) -> None:
    """POST ``payload`` (with a ``text`` field chat webhooks show) to ``url``."""
    try:
        refuse_metadata_url(url)
    except BlockedHostError:
        raise DeliveryError("POST refused: the URL is a cloud metadata address") from None
    try:
        with httpx.Client(timeout=TIMEOUT, transport=transport) as client:
            answer = client.post(url, json=payload)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"POST failed: {type(exc).__name__}") from None
    if answer.status_code >= 400:
        raise DeliveryError(f"POST answered {answer.status_code}")
