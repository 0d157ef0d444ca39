"""The Chinese catalogue is complete, current and sound: CI fails on an untranslated or fuzzy entry, on a
placeholder a translation dropped or invented, and on a string the code has that the catalogue lacks."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfir]|%[sdfi]|\{\w*\}")


def entries():
    return [entry for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete]


def translations(entry):
    return [*entry.msgstr_plural.values()] if entry.msgid_plural else [entry.msgstr]


@pytest.mark.req("I18N-2")
def test_every_entry_of_the_chinese_catalogue_is_translated_and_none_is_fuzzy():
    catalogue = entries()
    assert len(catalogue) > 500, "the catalogue is nearly empty: were the strings marked?"
    untranslated = [entry.msgid for entry in catalogue if not all(translations(entry))]
    fuzzy = [entry.msgid for entry in catalogue if entry.fuzzy]
    assert untranslated == [], f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"


@pytest.mark.req("I18N-2")
def test_translations_keep_every_placeholder_of_their_english():
    wrong = [
        f"{entry.msgid!r} → {text!r}"
        for entry in entries()
        for text in translations(entry)
        if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(entry.msgid))
    ]
    assert wrong == []


@pytest.mark.req("I18N-2")
def test_makemessages_would_add_no_string(tmp_path, monkeypatch, settings):
    """The strings the code marks are exactly the catalogue's: a string added without translation, or a
    catalogue entry the code no longer has, fails here (needs GNU gettext's xgettext, as `make messages`).

    makemessages writes beside the nearest locale/ folder, so it runs on a copy of the code without one."""
    source = tmp_path / "source"
    shutil.copytree(
        settings.BASE_DIR,
        source,
        ignore=shutil.ignore_patterns(".*", "var", "locale", "staticfiles", "test-artifacts", "__pycache__"),
    )
    settings.LOCALE_PATHS = [tmp_path / "fresh"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    fresh = {
        (e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / "fresh" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    }
    committed = {(e.msgctxt, e.msgid) for e in entries()}
    assert sorted(fresh - committed, key=str) == [], "new strings: run `make messages` and translate them"
    assert sorted(committed - fresh, key=str) == [], "strings no longer in the code: run `make messages`"


@pytest.mark.req("I18N-2")
def test_the_compiled_catalogue_is_current():
    """`make` builds the .mo from the committed .po; a stale one would show yesterday's Chinese."""
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists(), "run `make` (the catalogue is compiled by the Makefile)"
    assert compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime
    assert {e.msgid: e.msgstr for e in polib.mofile(str(compiled))}.keys() >= {
        e.msgid for e in entries() if not e.msgid_plural
    }
