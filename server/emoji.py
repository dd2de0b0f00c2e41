"""The reactions' emoji, by the names the models store them under (`models.REACTIONS`)."""

from __future__ import annotations

EMOJI = {"thumbsup": "👍", "heart": "❤️", "tada": "🎉", "laugh": "😄", "bulb": "💡", "pray": "🙏"}
