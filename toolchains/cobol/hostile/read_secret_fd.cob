*> attack: reads the host file @SECRET@ with SELECT/OPEN/READ; n + 1 if a record was read
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
ENVIRONMENT DIVISION.
INPUT-OUTPUT SECTION.
FILE-CONTROL.
    SELECT secret-file ASSIGN TO "@SECRET@"
        ORGANIZATION IS LINE SEQUENTIAL
        FILE STATUS IS w-status.
DATA DIVISION.
FILE SECTION.
FD secret-file.
01 secret-rec PIC X(200).
WORKING-STORAGE SECTION.
01 w-status PIC XX.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE 0 TO res
    OPEN INPUT secret-file
    IF w-status = "00"
        READ secret-file
        IF w-status = "00"
            COMPUTE res = p-n + 1
        END-IF
        CLOSE secret-file
    END-IF
    GOBACK.
END PROGRAM py_hostile.
