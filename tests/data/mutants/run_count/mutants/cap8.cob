*> mutant cap8: loop capped
*> tolk COBOL candidate for: def run_count(xs: list[int]) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_run_count.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-runs BINARY-DOUBLE SIGNED.
01 v-i BINARY-DOUBLE SIGNED.
01 t-1 BINARY-DOUBLE SIGNED.
01 t-2 BINARY-DOUBLE SIGNED.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-xs.
   05 p-xs-n BINARY-DOUBLE SIGNED.
   05 p-xs-v BINARY-DOUBLE SIGNED OCCURS 0 TO 1000 DEPENDING ON p-xs-n.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-xs res.
main-para.
    IF p-xs-n = 0
        MOVE 0 TO res
        GOBACK
    END-IF
    MOVE 1 TO v-runs
    PERFORM VARYING t-1 FROM 1 BY 1 UNTIL t-1 >= p-xs-n OR t-1 >= 8
        MOVE t-1 TO v-i
        COMPUTE t-2 = (v-i - 1)
            ON SIZE ERROR
                COMPUTE tolk-wide = (v-i - 1)
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO t-2
        END-COMPUTE
        IF p-xs-v(v-i + 1) NOT = p-xs-v(t-2 + 1)
            COMPUTE v-runs = (v-runs + 1)
                ON SIZE ERROR
                    COMPUTE tolk-wide = (v-runs + 1)
                        ON SIZE ERROR MOVE 0 TO tolk-wide
                    END-COMPUTE
                    IF tolk-wide + 9223372036854775807 NOT = -1
                        MOVE 70 TO RETURN-CODE
                        GOBACK
                    END-IF
                    MOVE tolk-wide TO v-runs
            END-COMPUTE
        END-IF
    END-PERFORM
    MOVE v-runs TO res
    GOBACK.
END PROGRAM py_run_count.
