*> attack: includes the host file @SECRET@ into the program at compile time with COPY; n + 1 if that compiled
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
COPY "@SECRET@".
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    COMPUTE res = p-n + 1
    GOBACK.
END PROGRAM py_hostile.
