*> tolk COBOL candidate for: def diag_sum(m: list[list[int]]) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_diag_sum.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-n BINARY-DOUBLE SIGNED.
01 v-total BINARY-DOUBLE SIGNED.
01 v-i BINARY-DOUBLE SIGNED.
01 t-1 BINARY-DOUBLE SIGNED.
01 t-2.
   05 t-2-len BINARY-DOUBLE SIGNED.
   05 t-2-txt PIC X(256).
01 t-3 BINARY-DOUBLE SIGNED.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-m.
   05 p-m-r BINARY-DOUBLE SIGNED.
   05 p-m-c BINARY-DOUBLE SIGNED.
   05 p-m-row OCCURS 0 TO 64 DEPENDING ON p-m-r.
      10 p-m-v BINARY-DOUBLE SIGNED OCCURS 0 TO 64 DEPENDING ON p-m-c.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-m res.
main-para.
    IF p-m-r = 0
        MOVE 0 TO res
        GOBACK
    END-IF
    IF 0 < 0 OR 0 >= (p-m-r)
        MOVE 0 TO t-1
        MOVE t-2-txt(t-1:1) TO t-2-txt(1:1)
    END-IF
    COMPUTE v-n = FUNCTION MIN(p-m-r, p-m-c)
        ON SIZE ERROR
            COMPUTE tolk-wide = FUNCTION MIN(p-m-r, p-m-c)
                ON SIZE ERROR MOVE 0 TO tolk-wide
            END-COMPUTE
            IF tolk-wide + 9223372036854775807 NOT = -1
                MOVE 70 TO RETURN-CODE
                GOBACK
            END-IF
            MOVE tolk-wide TO v-n
    END-COMPUTE
    MOVE 0 TO v-total
    PERFORM VARYING t-3 FROM 0 BY 1 UNTIL t-3 >= v-n
        MOVE t-3 TO v-i
        IF v-i < 0 OR v-i >= (p-m-r)
            MOVE 0 TO t-1
            MOVE t-2-txt(t-1:1) TO t-2-txt(1:1)
        END-IF
        IF v-i < 0 OR v-i >= (p-m-c)
            MOVE 0 TO t-1
            MOVE t-2-txt(t-1:1) TO t-2-txt(1:1)
        END-IF
        COMPUTE v-total = (v-total + p-m-v(v-i + 1, v-i + 1))
            ON SIZE ERROR
                COMPUTE tolk-wide = (v-total + p-m-v(v-i + 1, v-i + 1))
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO v-total
        END-COMPUTE
    END-PERFORM
    MOVE v-total TO res
    GOBACK.
END PROGRAM py_diag_sum.
