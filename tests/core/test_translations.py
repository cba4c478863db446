"""The Simplified Chinese catalog is complete, compiled and served.

Chinese is the default language, so an untranslated string shows up in English to a
village worker, and a ``.po`` edit without ``compilemessages`` silently changes nothing.
After changing strings: ``make messages`` (makemessages, then compilemessages).
"""

from __future__ import annotations

import gettext as gnu_gettext
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.translation import trans_real

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{\{\s*\w+\s*\}\}")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        return f"django.po line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda match: ESCAPES[match.group(1)], text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Active entries of a .po file (obsolete ``#~`` entries are skipped), header included."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        if line.startswith("#"):
            if line.startswith("#,"):
                if entry is None:
                    entry = Entry(line=number)
                    entries.append(entry)
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert entry is not None and target is not None, f"line {number}: stray string"
            value = _unquote(line)
        elif keyword in ("msgctxt", "msgid", "msgid_plural") or keyword.startswith("msgstr"):
            if entry is None or (keyword in ("msgctxt", "msgid") and entry.msgstr):
                entry = Entry(line=number)
                entries.append(entry)
            index = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            target = ("msgstr", int(index.group(1))) if index else (keyword, None)
            value = _unquote(rest)
            if target[0] == "msgstr":
                entry.msgstr.setdefault(target[1] or 0, "")
            elif target[0] == "msgid_plural":
                entry.msgid_plural = ""
            elif target[0] == "msgctxt":
                entry.msgctxt = ""
        else:
            raise AssertionError(f"django.po line {number}: cannot read {raw!r}")
        name, index = target
        if name == "msgstr":
            entry.msgstr[index or 0] += value
        else:
            setattr(entry, name, getattr(entry, name) + value)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing: run makemessages -l zh_Hans"
    entries = parse_po(PO_FILE)
    header = [entry for entry in entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(header) == 1, "django.po has no header entry"
    assert "Plural-Forms: nplurals=1; plural=0;" in header[0].msgstr[0]
    return [entry for entry in entries if entry is not header[0]]


def test_the_po_file_has_strings(po_entries):
    assert len(po_entries) > 100


def test_every_string_is_translated_and_none_is_fuzzy(po_entries):
    problems = [f"fuzzy: {entry.label}" for entry in po_entries if "fuzzy" in entry.flags]
    problems += [
        f"untranslated: {entry.label}" for entry in po_entries if not all(entry.msgstr.values())
    ]
    assert not problems, (
        "translate these in django.po (and drop the fuzzy flag once checked):\n"
        + "\n".join(problems)
    )


def test_plural_entries_have_the_one_chinese_form(po_entries):
    wrong = [e.label for e in po_entries if e.msgid_plural is not None and set(e.msgstr) != {0}]
    assert not wrong, "Chinese has one plural form, so only msgstr[0]:\n" + "\n".join(wrong)


def test_translations_keep_every_placeholder(po_entries):
    wrong = []
    for entry in po_entries:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                wrong.append(f"{entry.label} -> {text!r}")
    assert not wrong, "placeholders differ from the English:\n" + "\n".join(wrong)


def test_the_compiled_catalog_is_up_to_date(po_entries):
    """Both the .mo file and the catalog Django loads for zh-hans agree with the .po."""
    assert MO_FILE.exists(), f"{MO_FILE} is missing: run compilemessages"
    with MO_FILE.open("rb") as handle:
        compiled = gnu_gettext.GNUTranslations(handle)
    trans_real._translations.pop("zh-hans", None)  # reload from disk, not a cached copy
    loaded = trans_real.translation("zh-hans")
    stale = []
    for entry in po_entries:
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue  # msgfmt leaves these out; the test above reports them
        if entry.msgctxt is not None:
            pairs = [
                (compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr[0]),
                (loaded.pgettext(entry.msgctxt, entry.msgid), entry.msgstr[0]),
            ]
        elif entry.msgid_plural is not None:
            pairs = [
                (compiled.ngettext(entry.msgid, entry.msgid_plural, 2), entry.msgstr[0]),
                (loaded.ngettext(entry.msgid, entry.msgid_plural, 2), entry.msgstr[0]),
            ]
        else:
            pairs = [
                (compiled.gettext(entry.msgid), entry.msgstr[0]),
                (loaded.gettext(entry.msgid), entry.msgstr[0]),
            ]
        if any(got != wanted for got, wanted in pairs):
            stale.append(f"{entry.label}: served {pairs[1][0]!r}, .po says {entry.msgstr[0]!r}")
    assert not stale, "django.mo is out of date; run compilemessages:\n" + "\n".join(stale)


@pytest.mark.django_db
def test_the_login_page_is_in_chinese_by_default():
    response = Client().get(reverse("accounts:login"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans"' in page
    assert "<h1>登录</h1>" in page
    assert "<title>登录 · 同行</title>" in page


@pytest.mark.django_db
def test_the_login_page_is_in_english_when_chosen():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("accounts:login"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en"' in page
    assert "<h1>Sign in</h1>" in page
    assert "登录" not in page


def test_every_string_in_the_code_is_in_the_catalog(po_entries, tmp_path, settings):
    """makemessages run over a scratch copy of the sources finds no string the catalog
    lacks: a new string added without ``make messages`` would otherwise show in English.

    The copy matters: makemessages writes into any ``locale`` folder it finds beside the
    sources, whatever LOCALE_PATHS says, so run over the real tree it would quietly add
    the missing strings to the real catalog and then find nothing missing."""
    from django.core.management import call_command

    sources = tmp_path / "src" / "tongxing"
    shutil.copytree(
        Path(settings.BASE_DIR),
        sources,
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static", "migrations"),
    )
    scratch_po = sources / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    settings.LOCALE_PATHS = [sources / "locale"]
    cwd = Path.cwd()
    try:
        os.chdir(tmp_path)
        call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    known = {(e.msgctxt, e.msgid) for e in po_entries}
    extracted = {(e.msgctxt, e.msgid) for e in parse_po(scratch_po) if e.msgid}
    assert len(extracted) > 100, "makemessages extracted nothing: is the copy complete?"
    missing = sorted(msgid for _, msgid in extracted - known)
    assert not missing, "run make messages and translate:\n" + "\n".join(missing[:40])
