*> attack: compile-time expansion: five 256 MB items (cobc's per-item limit) with VALUE ALL initial values, 1.3 GB in all; n + 1 if they were all built, initialised and still hold their value
IDENTIFICATION DIVISION.
PROGRAM-ID. py_hostile.
DATA DIVISION.
WORKING-STORAGE SECTION.
01 w-big1 PIC X(268435455) VALUE ALL "A".
01 w-big2 PIC X(268435455) VALUE ALL "A".
01 w-big3 PIC X(268435455) VALUE ALL "A".
01 w-big4 PIC X(268435455) VALUE ALL "A".
01 w-big5 PIC X(268435455) VALUE ALL "A".
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE 0 TO res
    IF w-big1(268435455:1) = "A" AND w-big2(1:1) = "A" AND w-big3(7:1) = "A"
       AND w-big4(268435455:1) = "A" AND w-big5(268435455:1) = "A"
        COMPUTE res = p-n + 1
    END-IF
    GOBACK.
END PROGRAM py_hostile.
