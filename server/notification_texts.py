"""One sentence per notification, in the reader's language: for the inbox, the API and the mail."""

from __future__ import annotations

from babel.support import NullTranslations

from models import NotificationKind
from server.emoji import EMOJI
from services.errors import N_
from services.notifications import Line

# Lines whose subject is a circle name it in the sentence; the others quote their item below it.
NAMES_ITS_SUBJECT = {NotificationKind.JOIN_REQUEST, NotificationKind.JOIN_ANSWER, NotificationKind.INVITATION}

_KIND_NAMES = {
    NotificationKind.REACTION: N_("Emoji reactions to your posts, comments and chat messages"),
    NotificationKind.COMMENT: N_("Comments on your posts and in conversations you are part of"),
    NotificationKind.REPLY: N_("Replies to your comments and chat messages"),
    NotificationKind.MENTION: N_("Mentions of you"),
    NotificationKind.JOIN_REQUEST: N_("Join requests to circles you run"),
    NotificationKind.JOIN_ANSWER: N_("Answers to your join requests"),
    NotificationKind.INVITATION: N_("Invitations to circles"),
    NotificationKind.NEWS: N_("Must-read news"),
    NotificationKind.NEWS_PROPOSAL: N_("News you proposed: published or sent back"),
    NotificationKind.ITEM_HIDDEN: N_("A moderator hid your post, comment or chat message"),
    NotificationKind.ITEM_RESTORED: N_("A moderator showed your post, comment or chat message again"),
    NotificationKind.REPORT_ANSWER: N_("The outcome of your reports"),
    NotificationKind.ANSWER_ACCEPTED: N_("Your comment accepted as the answer to a question"),
}


def describe(line: Line, t: NullTranslations) -> str:
    """ "Anna reacted with 👍 to your post", "Anna and 4 others commented on your post". One word
    for one thing, everywhere (inbox, drop-down, API, mail): an emoji is "reacted with 👍", a
    comment is "commented" (in Dutch "schreef een reactie"), an answer is "replied". Every
    sentence is spelled out whole, so that translators see it whole."""
    n = line.notification
    o = line.others
    v = {
        "name": line.actors[0].name if line.actors else t.gettext("Someone"),
        "others": o,
        "circle": n.title,
        "emoji": EMOJI.get(n.detail, n.detail),
        "reason": n.detail,
    }
    what = n.subject.partition(":")[0]
    match n.kind:
        case NotificationKind.REACTION if what == "comment":
            text = (
                t.ngettext(
                    "%(name)s (%(emoji)s) and %(others)d other reacted to your comment",
                    "%(name)s (%(emoji)s) and %(others)d others reacted to your comment",
                    o,
                )
                if o
                else t.gettext("%(name)s reacted with %(emoji)s to your comment")
            )
        case NotificationKind.REACTION if what == "message":
            text = (
                t.ngettext(
                    "%(name)s (%(emoji)s) and %(others)d other reacted to your chat message",
                    "%(name)s (%(emoji)s) and %(others)d others reacted to your chat message",
                    o,
                )
                if o
                else t.gettext("%(name)s reacted with %(emoji)s to your chat message")
            )
        case NotificationKind.REACTION:
            text = (
                t.ngettext(
                    "%(name)s (%(emoji)s) and %(others)d other reacted to your post",
                    "%(name)s (%(emoji)s) and %(others)d others reacted to your post",
                    o,
                )
                if o
                else t.gettext("%(name)s reacted with %(emoji)s to your post")
            )
        case NotificationKind.COMMENT if line.own_post:
            text = (
                t.ngettext(
                    "%(name)s and %(others)d other commented on your post",
                    "%(name)s and %(others)d others commented on your post",
                    o,
                )
                if o
                else t.gettext("%(name)s commented on your post")
            )
        case NotificationKind.COMMENT:
            text = (
                t.ngettext(
                    "%(name)s and %(others)d other also commented in a conversation you are part of",
                    "%(name)s and %(others)d others also commented in a conversation you are part of",
                    o,
                )
                if o
                else t.gettext("%(name)s also commented in a conversation you are part of")
            )
        case NotificationKind.REPLY if what == "message":
            text = (
                t.ngettext(
                    "%(name)s and %(others)d other replied to your chat message",
                    "%(name)s and %(others)d others replied to your chat message",
                    o,
                )
                if o
                else t.gettext("%(name)s replied to your chat message")
            )
        case NotificationKind.REPLY:
            text = (
                t.ngettext(
                    "%(name)s and %(others)d other replied to your comment",
                    "%(name)s and %(others)d others replied to your comment",
                    o,
                )
                if o
                else t.gettext("%(name)s replied to your comment")
            )
        case NotificationKind.MENTION if what == "comment":
            text = (
                t.ngettext(
                    "%(name)s and %(others)d other mentioned you in a comment",
                    "%(name)s and %(others)d others mentioned you in a comment",
                    o,
                )
                if o
                else t.gettext("%(name)s mentioned you in a comment")
            )
        case NotificationKind.MENTION if what == "message":
            text = (
                t.ngettext(
                    "%(name)s and %(others)d other mentioned you in a chat message",
                    "%(name)s and %(others)d others mentioned you in a chat message",
                    o,
                )
                if o
                else t.gettext("%(name)s mentioned you in a chat message")
            )
        case NotificationKind.MENTION:
            text = (
                t.ngettext(
                    "%(name)s and %(others)d other mentioned you in a post",
                    "%(name)s and %(others)d others mentioned you in a post",
                    o,
                )
                if o
                else t.gettext("%(name)s mentioned you in a post")
            )
        case NotificationKind.JOIN_REQUEST:
            text = (
                t.ngettext(
                    "%(name)s and %(others)d other asked to join %(circle)s",
                    "%(name)s and %(others)d others asked to join %(circle)s",
                    o,
                )
                if o
                else t.gettext("%(name)s asked to join %(circle)s")
            )
        case NotificationKind.JOIN_ANSWER if n.detail == "approved":
            text = t.gettext("You are now a member of %(circle)s")
        case NotificationKind.JOIN_ANSWER:
            text = t.gettext("Your request to join %(circle)s was declined")
        case NotificationKind.INVITATION:
            text = t.gettext("%(name)s invited you to %(circle)s")
        case NotificationKind.NEWS:
            text = t.gettext("Must-read news from %(name)s")
        case NotificationKind.NEWS_PROPOSAL if n.detail == "published":
            text = t.gettext("%(name)s published the news you proposed")
        case NotificationKind.NEWS_PROPOSAL:
            text = t.gettext("%(name)s sent the news you proposed back with a note")
        case NotificationKind.ITEM_HIDDEN if what == "comment":
            text = t.gettext("A moderator hid your comment. Reason: %(reason)s")
        case NotificationKind.ITEM_HIDDEN if what == "message":
            text = t.gettext("A moderator hid your chat message. Reason: %(reason)s")
        case NotificationKind.ITEM_HIDDEN:
            text = t.gettext("A moderator hid your post. Reason: %(reason)s")
        case NotificationKind.ITEM_RESTORED if what == "comment":
            text = t.gettext("A moderator showed your comment again")
        case NotificationKind.ITEM_RESTORED if what == "message":
            text = t.gettext("A moderator showed your chat message again")
        case NotificationKind.ITEM_RESTORED:
            text = t.gettext("A moderator showed your post again")
        case NotificationKind.REPORT_ANSWER if n.detail == "hidden":
            text = t.gettext("Your report was handled: a moderator hid what you reported")
        case NotificationKind.REPORT_ANSWER:
            text = t.gettext("Your report was handled: a moderator left what you reported as it is")
        case NotificationKind.ANSWER_ACCEPTED:
            text = t.gettext("%(name)s accepted your comment as the answer to the question")
        case NotificationKind.EXPORT_READY:
            text = t.gettext("Your data is ready to download, for seven days")
    return text % v


def kind_names(t: NullTranslations) -> dict[NotificationKind, str]:
    """What each kind is called on the settings page."""
    return {kind: t.gettext(text) for kind, text in _KIND_NAMES.items()}
