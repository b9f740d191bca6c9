*> attack (static-only: in-process memory corruption no sandbox sees): turns the runtime checks off with a >>TURN directive, then writes past its table into the harness storage; n + 1 if that went unnoticed
>>TURN EC-ALL CHECKING OFF
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-t.
   05 w-e BINARY-DOUBLE SIGNED OCCURS 2.
01 w-i BINARY-DOUBLE SIGNED VALUE 3.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE 0 TO res
    MOVE 7 TO w-e(w-i)
    COMPUTE res = p-n + 1
    GOBACK.
END PROGRAM py_hostile.
