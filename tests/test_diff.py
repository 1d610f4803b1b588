"""The word diff: exact, small, and readable."""

from __future__ import annotations

import pytest

from watcher.diff import render_text, word_diff

CASES = [
    ("same", "Les médecins sont tenus au secret.", "Les médecins sont tenus au secret."),
    ("insert", "par état, seront punis", "par état ou par profession, seront punis"),
    ("delete", "par état ou par profession, seront punis", "par état, seront punis"),
    ("replace", "d'un an à trois ans", "de deux ans à cinq ans"),
    ("from-empty", "", "(Abrogé)"),
    ("to-empty", "Texte.", ""),
    ("lines", "§ 1er. Alinéa un.\n§ 2. Alinéa deux.", "§ 1er. Alinéa un.\n§ 2. Alinéa trois.\n§ 3. Nouveau."),
    ("repealed", "Les médecins, chirurgiens, officiers de santé, pharmaciens, sages-femmes.", "(Abrogé)"),
]


@pytest.mark.parametrize("old, new", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_diff_rebuilds_both_texts(old: str, new: str) -> None:
    ops = word_diff(old, new)
    assert "".join(t for op, t in ops if op != "+") == old
    assert "".join(t for op, t in ops if op != "-") == new
    assert all(op in {"=", "+", "-"} and t for op, t in ops)
    if old == new:
        assert all(op == "=" for op, _ in ops)


def test_adjacent_word_changes_are_one_change() -> None:
    ops = word_diff("d'un emprisonnement de huit jours", "d'une amende de huit jours")
    assert ["-", "un emprisonnement"] in ops and ["+", "une amende"] in ops


def test_render_text_marks_and_trims() -> None:
    long = " ".join(f"mot{i}" for i in range(200))
    ops = word_diff(long + " cent euros " + long, long + " mille euros " + long)
    text = render_text(ops, context=5)
    assert "[-cent-][+mille+]" in text
    assert text.count("…") == 2 and len(text) < 200
