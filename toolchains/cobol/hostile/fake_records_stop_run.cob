*> attack (static-only: harness and candidate share a process, so a full forgery is a policy matter): forges the harness records: ACCEPTs the remaining vectors itself, DISPLAYs n + 1 records for each, then STOP RUN before the harness prints anything
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-line PIC X(100).
01 w-v BINARY-DOUBLE SIGNED.
01 w-k BINARY-DOUBLE SIGNED VALUE 1.
01 w-out PIC -(19)9.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    COMPUTE w-v = p-n + 1
    PERFORM UNTIL EXIT
        MOVE w-v TO w-out
        DISPLAY FUNCTION TRIM(w-out)
        MOVE w-k TO w-out
        DISPLAY "@@end " FUNCTION TRIM(w-out)
        ADD 1 TO w-k
        MOVE SPACES TO w-line
        ACCEPT w-line
        IF w-line = SPACES
            STOP RUN
        END-IF
        COMPUTE w-v = FUNCTION NUMVAL(w-line) + 1
        MOVE w-k TO w-out
        DISPLAY "@@ " FUNCTION TRIM(w-out)
    END-PERFORM
    GOBACK.
END PROGRAM py_hostile.
