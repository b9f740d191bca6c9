*> attack: kills the parent process through libc getppid()/kill(); n + 1 only if the parent is really gone (we were re-parented)
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-pid BINARY-LONG SIGNED.
01 w-after BINARY-LONG SIGNED.
01 w-rc BINARY-LONG SIGNED.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE 0 TO res
    CALL "getppid" RETURNING w-pid
    CALL "kill" USING BY VALUE w-pid BY VALUE 9 RETURNING w-rc
    CALL "usleep" USING BY VALUE 100000
    CALL "getppid" RETURNING w-after
    IF w-rc = 0 AND w-after NOT = w-pid
        COMPUTE res = p-n + 1
    END-IF
    GOBACK.
END PROGRAM py_hostile.
