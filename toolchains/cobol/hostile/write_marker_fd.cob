*> attack: writes the file @MARKER@ outside the work dir with SELECT/OPEN/WRITE; n + 1 if the write succeeded
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
ENVIRONMENT DIVISION.
INPUT-OUTPUT SECTION.
FILE-CONTROL.
    SELECT marker-file ASSIGN TO "@MARKER@"
        ORGANIZATION IS LINE SEQUENTIAL
        FILE STATUS IS w-status.
DATA DIVISION.
FILE SECTION.
FD marker-file.
01 marker-rec PIC X(20).
WORKING-STORAGE SECTION.
01 w-status PIC XX.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE 0 TO res
    OPEN OUTPUT marker-file
    IF w-status = "00"
        MOVE "pwned" TO marker-rec
        WRITE marker-rec
        IF w-status = "00"
            COMPUTE res = p-n + 1
        END-IF
        CLOSE marker-file
    END-IF
    GOBACK.
END PROGRAM py_hostile.
