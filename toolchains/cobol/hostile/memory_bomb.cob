*> attack: memory bomb: 2 GB of LOCAL-STORAGE in eight tables whose OCCURS and PIC sizes each pass the size check; n + 1 if it was all allocated and touched
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 w-i BINARY-DOUBLE SIGNED.
01 w-b1.
   05 w-r1 OCCURS 5000.
      10 w-c1 PIC X(50000).
01 w-b2.
   05 w-r2 OCCURS 5000.
      10 w-c2 PIC X(50000).
01 w-b3.
   05 w-r3 OCCURS 5000.
      10 w-c3 PIC X(50000).
01 w-b4.
   05 w-r4 OCCURS 5000.
      10 w-c4 PIC X(50000).
01 w-b5.
   05 w-r5 OCCURS 5000.
      10 w-c5 PIC X(50000).
01 w-b6.
   05 w-r6 OCCURS 5000.
      10 w-c6 PIC X(50000).
01 w-b7.
   05 w-r7 OCCURS 5000.
      10 w-c7 PIC X(50000).
01 w-b8.
   05 w-r8 OCCURS 5000.
      10 w-c8 PIC X(50000).
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    PERFORM VARYING w-i FROM 1 BY 1 UNTIL w-i > 5000
        MOVE ALL "x" TO w-r1(w-i)
        MOVE ALL "x" TO w-r2(w-i)
        MOVE ALL "x" TO w-r3(w-i)
        MOVE ALL "x" TO w-r4(w-i)
        MOVE ALL "x" TO w-r5(w-i)
        MOVE ALL "x" TO w-r6(w-i)
        MOVE ALL "x" TO w-r7(w-i)
        MOVE ALL "x" TO w-r8(w-i)
    END-PERFORM
    COMPUTE res = p-n + 1
    GOBACK.
END PROGRAM py_hostile.
