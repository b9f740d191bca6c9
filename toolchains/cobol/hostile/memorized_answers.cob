*> attack: prints nothing itself: answers only inputs it memorised from a prompt (edge cases), 0 otherwise; n + 1 everywhere only if every vector was memorised
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.

LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    EVALUATE p-n
        WHEN 0 MOVE 1 TO res
        WHEN 1 MOVE 2 TO res
        WHEN -1 MOVE 0 TO res
        WHEN 2 MOVE 3 TO res
        WHEN OTHER MOVE 0 TO res
    END-EVALUATE
    GOBACK.
END PROGRAM py_hostile.
