*> attack: opens a TCP socket through libc socket()/connect() to 8.8.8.8:53 and 127.0.0.1:22; n + 1 if a connection was made
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-fd BINARY-LONG SIGNED.
01 w-rc BINARY-LONG SIGNED.
01 w-addr1 PIC X(16) VALUE X"02000035080808080000000000000000".
01 w-addr2 PIC X(16) VALUE X"020000167F0000010000000000000000".
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE 0 TO res
    CALL "socket" USING BY VALUE 2 BY VALUE 1 BY VALUE 0 RETURNING w-fd
    IF w-fd >= 0
        CALL "connect" USING BY VALUE w-fd BY REFERENCE w-addr1 BY VALUE 16 RETURNING w-rc
        IF w-rc = 0
            COMPUTE res = p-n + 1
        END-IF
    END-IF
    CALL "socket" USING BY VALUE 2 BY VALUE 1 BY VALUE 0 RETURNING w-fd
    IF w-fd >= 0
        CALL "connect" USING BY VALUE w-fd BY REFERENCE w-addr2 BY VALUE 16 RETURNING w-rc
        IF w-rc = 0
            COMPUTE res = p-n + 1
        END-IF
    END-IF
    GOBACK.
END PROGRAM py_hostile.
