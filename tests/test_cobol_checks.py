"""COBOL static checks: structure (exactly program py_<name>) and forbidden constructs,
matched as whole words after literals and `*>` comments are blanked out."""

from __future__ import annotations

import pytest

from tolk.ir.function import Param, Signature
from tolk.ir.types import INT
from tolk.toolchains.cobol import COBOL
from tolk.toolchains.cobol.checks import blank, rename_program, static_check
from tolk.toolchains.cobol.contract import candidate_program

SIG = Signature("f", (Param("n", INT),), INT)


def cand(body: list[str], local: list[str] = ()) -> str:
    return candidate_program(SIG, list(local), body)


def test_contract_and_a_plain_body_pass() -> None:
    assert static_check(COBOL.contract(SIG), SIG) is None
    assert static_check(cand(["COMPUTE res = p-n + 1"]), SIG) is None


@pytest.mark.parametrize("stmt, word", [
    ('CALL "SYSTEM" USING "ls"', "call"),
    ('CALL "C$SLEEP" USING 5', "call"),
    ('CALL "CBL_DELETE_FILE" USING "x"', "call"),
    ('DISPLAY "@@ 1"', "display"),
    ("ACCEPT res", "accept"),
    ('ACCEPT res FROM ENVIRONMENT "HOME"', "accept"),
    ('DISPLAY "HOME" UPON ENVIRONMENT-NAME', "display"),
    ("OPEN INPUT some-file", "open"),
    ("READ some-file", "read"),
    ("WRITE some-rec", "write"),
    ("STOP RUN", "stop"),
    ("EXEC SQL SELECT 1 END-EXEC", "exec"),
    ("COPY mybook", "copy"),
    ("REPLACE ==a== BY ==b==", "replace"),
    ("SET p-ptr TO ADDRESS OF res", "address"),
    ("cancel \"x\"", "cancel"),
    ("Display res", "display"),  # case-insensitive
])
def test_forbidden_statements(stmt: str, word: str) -> None:
    assert static_check(cand([stmt]), SIG) == f"forbidden:{word}"


def test_forbidden_words_in_literals_comments_and_longer_names_are_fine() -> None:
    code = cand(['MOVE "CALL SYSTEM; DISPLAY; STOP RUN" TO w-display-text',
                 "*> DISPLAY would be forbidden here, but this is a comment",
                 "MOVE 'it''s a STOP' TO w-display-text  *> trailing comment CALL",
                 "MOVE 1 TO res-call-count"],
                ["01 w-display-text PIC X(40).", "01 res-call-count PIC 9."])
    assert static_check(code, SIG) is None


def test_a_quote_inside_a_literal_does_not_end_it() -> None:
    text = blank('MOVE "a""b DISPLAY" TO x *> CALL\nCALL "y"')
    assert "DISPLAY" not in text and text.count("CALL") == 1
    assert len(text) == len('MOVE "a""b DISPLAY" TO x *> CALL\nCALL "y"')


def test_structure_needs_exactly_the_contract_program() -> None:
    good = cand(["COMPUTE res = p-n + 1"])
    assert static_check(good.replace("py_f.", "py_g."), SIG) == "no_definition"
    nested = good.replace("END PROGRAM py_f.",
                          "IDENTIFICATION DIVISION.\nPROGRAM-ID. helper.\n"
                          "PROCEDURE DIVISION.\n    GOBACK.\nEND PROGRAM helper.\n"
                          "END PROGRAM py_f.")
    assert static_check(nested, SIG) == "no_definition"
    assert static_check("", SIG) == "no_definition"
    assert static_check('*> PROGRAM-ID. py_f.\n', SIG) == "no_definition"


def test_directives_and_huge_items_are_refused() -> None:
    assert static_check(">>TURN EC-ALL CHECKING OFF\n" + cand(["CONTINUE"]), SIG) \
        == "forbidden:directive"
    assert static_check(cand(["CONTINUE"], ["01 w-big PIC X(268435455)."]), SIG) \
        == "forbidden:huge_item"
    assert static_check(cand(["CONTINUE"], ["01 w-t.", "   05 w-e PIC 9 OCCURS 999999."]),
                        SIG) == "forbidden:huge_item"
    # Big numbers in arithmetic are not sizes.
    assert static_check(cand(["COMPUTE res = FUNCTION MOD(p-n, 1000000007)"]), SIG) is None


def test_rename_program_changes_only_the_program_names() -> None:
    code = cand(['MOVE "py_f" TO w-s', "COMPUTE res = p-n"], ["01 w-s PIC X(4)."])
    renamed = rename_program(code, "py_f", "tolk_c3")
    assert "PROGRAM-ID. tolk_c3." in renamed and "END PROGRAM tolk_c3." in renamed
    assert 'MOVE "py_f" TO w-s' in renamed
    assert static_check(renamed, SIG) == "no_definition"


def test_the_interface_must_be_the_contracts() -> None:
    good = cand(["COMPUTE res = p-n + 1"])
    assert static_check(good.replace("01 res BINARY-DOUBLE SIGNED.", "01 res PIC X(60000)."),
                        SIG) == "contract_mismatch:linkage"
    assert static_check(good.replace("USING p-n res.", "USING res p-n."), SIG) \
        == "contract_mismatch:using"
    assert static_check(good.replace("LINKAGE SECTION.", ""), SIG) == "contract_mismatch:linkage"
    # Layout and case are free: the tokens must match, not the spacing.
    relaxed = good.replace("01 p-n BINARY-DOUBLE SIGNED.", "01   P-N\n  binary-double   signed .")
    assert static_check(relaxed, SIG) is None
