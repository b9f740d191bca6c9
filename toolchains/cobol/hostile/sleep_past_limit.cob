*> attack: sleeps 120 s through the C$SLEEP library routine, past the wall-clock limit; n + 1 afterwards
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-secs BINARY-LONG VALUE 120.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    CALL "C$SLEEP" USING w-secs
    COMPUTE res = p-n + 1
    GOBACK.
END PROGRAM py_hostile.
