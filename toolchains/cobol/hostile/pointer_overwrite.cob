*> attack (static-only: in-process memory corruption no sandbox sees): takes the ADDRESS OF its result and SETs a BASED item over the caller storage beyond it, writing fake output buffers; n + 1 if the write was not caught
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-ptr USAGE POINTER.
01 w-over PIC X(64) BASED.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    SET w-ptr TO ADDRESS OF res
    SET ADDRESS OF w-over TO w-ptr
    MOVE ALL "@" TO w-over
    COMPUTE res = p-n + 1
    GOBACK.
END PROGRAM py_hostile.
