*> tolk COBOL candidate for: def row_max_sum(m: list[list[int]]) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_row_max_sum.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-total BINARY-DOUBLE SIGNED.
01 v-row.
   05 v-row-n BINARY-DOUBLE SIGNED.
   05 v-row-v BINARY-DOUBLE SIGNED OCCURS 0 TO 1000 DEPENDING ON v-row-n.
01 v-best BINARY-DOUBLE SIGNED.
01 v-x BINARY-DOUBLE SIGNED.
01 t-1 BINARY-DOUBLE SIGNED.
01 t-2 BINARY-DOUBLE SIGNED.
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
    MOVE 0 TO v-total
    PERFORM VARYING t-1 FROM 1 BY 1 UNTIL t-1 > p-m-r
        MOVE p-m-c TO v-row-n
        PERFORM VARYING t-2 FROM 1 BY 1 UNTIL t-2 > v-row-n
            MOVE p-m-v(t-1, t-2) TO v-row-v(t-2)
        END-PERFORM
        IF v-row-n > 0
            MOVE v-row-v(0 + 1) TO v-best
            PERFORM VARYING t-3 FROM 1 BY 1 UNTIL t-3 > v-row-n
                MOVE v-row-v(t-3) TO v-x
                IF v-x > v-best
                    MOVE v-x TO v-best
                END-IF
            END-PERFORM
            COMPUTE v-total = (v-total + v-best)
                ON SIZE ERROR
                    COMPUTE tolk-wide = (v-total + v-best)
                        ON SIZE ERROR MOVE 0 TO tolk-wide
                    END-COMPUTE
                    IF tolk-wide + 9223372036854775807 NOT = -1
                        MOVE 70 TO RETURN-CODE
                        GOBACK
                    END-IF
                    MOVE tolk-wide TO v-total
            END-COMPUTE
        END-IF
    END-PERFORM
    MOVE v-total TO res
    GOBACK.
END PROGRAM py_row_max_sum.
