*> attack: blows the C stack: the program declares itself RECURSIVE and CALLs itself a million times deep; n + 1 at the bottom
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile RECURSIVE.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-depth BINARY-DOUBLE SIGNED.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    IF p-n > 1000000
        COMPUTE res = p-n - 1000000 + 1
    ELSE
        COMPUTE w-depth = p-n + 1000001
        CALL "py_hostile" USING w-depth res
    END-IF
    GOBACK.
END PROGRAM py_hostile.
