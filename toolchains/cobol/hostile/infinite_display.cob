*> attack: floods stdout with fake records via DISPLAY forever (n + 1 never reached)
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.

LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    PERFORM UNTIL EXIT
        DISPLAY "@@end 1"
        DISPLAY "@@ 1"
    END-PERFORM
    COMPUTE res = p-n + 1
    GOBACK.
END PROGRAM py_hostile.
