*> attack: spins forever in an inline PERFORM (no calls at all; n + 1 never reached)
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-i BINARY-DOUBLE SIGNED VALUE 0.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    PERFORM UNTIL w-i < 0
        ADD 1 TO w-i
        IF w-i > 1000000
            MOVE 0 TO w-i
        END-IF
    END-PERFORM
    COMPUTE res = p-n + 1
    GOBACK.
END PROGRAM py_hostile.
