*> attack: writes the file @MARKER@ outside the work dir through the CBL_CREATE_FILE/CBL_WRITE_FILE library routines; n + 1 if both succeeded
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-name PIC X(300) VALUE "@MARKER@".
01 w-access PIC X COMP-X VALUE 2.
01 w-deny PIC X COMP-X VALUE 0.
01 w-device PIC X COMP-X VALUE 0.
01 w-handle PIC X(4) COMP-X.
01 w-offset PIC X(8) COMP-X VALUE 0.
01 w-count PIC X(4) COMP-X VALUE 5.
01 w-flags PIC X COMP-X VALUE 0.
01 w-data PIC X(5) VALUE "pwned".
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE 0 TO res
    CALL "CBL_CREATE_FILE" USING w-name w-access w-deny w-device w-handle
    IF RETURN-CODE = 0
        CALL "CBL_WRITE_FILE" USING w-handle w-offset w-count w-flags w-data
        IF RETURN-CODE = 0
            COMPUTE res = p-n + 1
        END-IF
        CALL "CBL_CLOSE_FILE" USING w-handle
    END-IF
    MOVE 0 TO RETURN-CODE
    GOBACK.
END PROGRAM py_hostile.
