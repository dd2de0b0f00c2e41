"""Telling a file's type reads little of it: a zip bomb is refused by its declared sizes, and one
that lies about them is read no further than the few bytes its type needs."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from services import files
from services.errors import Invalid
from tests.hostile_files import MIB, zip_bomb
from tests.support import DEMO_DRIVE

ODT = (DEMO_DRIVE / "01 Organisatie/Nieuwsbrieven/Nieuwsbrief februari.odt").read_bytes()
# Reading a gigabyte of zeros out of a zip costs seconds of CPU; telling a type, milliseconds.
# CPU time of this thread, so a loaded machine does not make it look slow.
CPU_BOUND = 0.5


def test_a_zip_whose_mimetype_unpacks_to_a_gigabyte_is_refused_by_its_declared_size() -> None:
    bomb = zip_bomb(1 << 30)
    assert len(bomb) < 1.1 * MIB
    started = time.thread_time()
    with pytest.raises(Invalid) as refused:
        files.detect(bomb, "nieuwsbrief.odt")
    assert refused.value.message == files.TOO_PACKED
    assert time.thread_time() - started < CPU_BOUND


def test_a_zip_that_lies_about_its_size_is_read_no_further_than_its_type_needs() -> None:
    bomb = zip_bomb(1 << 30, declared=39)  # as long as the ODT mimetype, it says
    started = time.thread_time()
    assert files.detect(bomb, "nieuwsbrief.odt") is None
    assert time.thread_time() - started < CPU_BOUND


def test_office_files_are_still_told_by_their_content() -> None:
    assert files.detect(ODT, "brief.pdf") == files.TYPES["odt"]
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("notes.txt", "Notulen van het teamoverleg.")
    assert files.detect(plain.getvalue(), "x.docx") is None  # a zip, but no office file
