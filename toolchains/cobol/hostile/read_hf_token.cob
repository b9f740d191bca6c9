*> attack: reads /root/.cache/huggingface/token (and then @SECRET@) through CBL_OPEN_FILE/CBL_READ_FILE; n + 1 if either read returned bytes
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-name PIC X(300).
01 w-access PIC X COMP-X VALUE 1.
01 w-deny PIC X COMP-X VALUE 0.
01 w-device PIC X COMP-X VALUE 0.
01 w-handle PIC X(4) COMP-X.
01 w-offset PIC X(8) COMP-X VALUE 0.
01 w-count PIC X(4) COMP-X VALUE 8.
01 w-flags PIC X COMP-X VALUE 0.
01 w-data PIC X(8).
01 w-try BINARY-LONG.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE 0 TO res
    PERFORM VARYING w-try FROM 1 BY 1 UNTIL w-try > 2
        IF w-try = 1
            MOVE "/root/.cache/huggingface/token" TO w-name
        ELSE
            MOVE "@SECRET@" TO w-name
        END-IF
        CALL "CBL_OPEN_FILE" USING w-name w-access w-deny w-device w-handle
        IF RETURN-CODE = 0
            CALL "CBL_READ_FILE" USING w-handle w-offset w-count w-flags w-data
            IF RETURN-CODE = 0
                COMPUTE res = p-n + 1
            END-IF
            CALL "CBL_CLOSE_FILE" USING w-handle
        END-IF
    END-PERFORM
    MOVE 0 TO RETURN-CODE
    GOBACK.
END PROGRAM py_hostile.
