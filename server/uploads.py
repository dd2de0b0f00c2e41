"""What the routes that take photos and files share: the limits from the settings, and the
drafts a form refers to (the `attachments` fields the upload script adds, one id each)."""

from __future__ import annotations

from config import Settings
from server.endpoints import Call
from server.pagination import is_number
from services import attachments
from services.errors import N_, Invalid


def attachment_limits(settings: Settings) -> attachments.Limits:
    return attachments.Limits(
        max_bytes=settings.limit_attachment_bytes,
        per_item=settings.limit_attachments_per_item,
        max_pixels=settings.limit_photo_pixels,
    )


def attachment_ids(call: Call) -> list[int]:
    assert call.form is not None
    ids = []
    for value in call.form.getlist("attachments"):
        if not isinstance(value, str) or not is_number(value):
            raise Invalid(N_("That upload is gone; add the file again."), field="attachments")
        ids.append(int(value))
    return ids
