*> mutant x_zero: boundary at 0
*> tolk COBOL candidate for: def horner(coeffs: list[int], x: int) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_horner.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-acc BINARY-DOUBLE SIGNED.
01 v-c BINARY-DOUBLE SIGNED.
01 t-1 BINARY-DOUBLE SIGNED.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-coeffs.
   05 p-coeffs-n BINARY-DOUBLE SIGNED.
   05 p-coeffs-v BINARY-DOUBLE SIGNED OCCURS 0 TO 1000 DEPENDING ON p-coeffs-n.
01 p-x BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-coeffs p-x res.
main-para.
    MOVE 0 TO v-acc
    IF p-x = 0 AND p-coeffs-n > 0
        MOVE p-coeffs-v(1) TO res
        GOBACK
    END-IF
    PERFORM VARYING t-1 FROM 1 BY 1 UNTIL t-1 > p-coeffs-n
        MOVE p-coeffs-v(t-1) TO v-c
        COMPUTE v-acc = ((v-acc * p-x) + v-c)
            ON SIZE ERROR
                COMPUTE tolk-wide = ((v-acc * p-x) + v-c)
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO v-acc
        END-COMPUTE
    END-PERFORM
    MOVE v-acc TO res
    GOBACK.
END PROGRAM py_horner.
