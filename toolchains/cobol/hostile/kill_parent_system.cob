*> attack: kills the parent process through CALL "SYSTEM" "kill -9 $PPID"; n + 1 if the shell reported success
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-cmd PIC X(40) VALUE "kill -9 $PPID && kill -9 1".
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE 0 TO res
    CALL "SYSTEM" USING w-cmd
    IF RETURN-CODE = 0
        COMPUTE res = p-n + 1
    END-IF
    MOVE 0 TO RETURN-CODE
    GOBACK.
END PROGRAM py_hostile.
