*> tolk COBOL candidate for: def digit_sum(n: int) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_digit_sum.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-n BINARY-DOUBLE SIGNED.
01 v-s BINARY-DOUBLE SIGNED.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    MOVE p-n TO v-n
    IF v-n < 0
        COMPUTE v-n = (- v-n)
            ON SIZE ERROR
                COMPUTE tolk-wide = (- v-n)
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO v-n
        END-COMPUTE
    END-IF
    MOVE 0 TO v-s
    PERFORM UNTIL NOT (v-n > 0)
        COMPUTE v-s = (v-s + FUNCTION MOD(v-n, 10))
            ON SIZE ERROR
                COMPUTE tolk-wide = (v-s + FUNCTION MOD(v-n, 10))
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO v-s
        END-COMPUTE
        COMPUTE v-n = FUNCTION INTEGER(v-n / 10)
            ON SIZE ERROR
                COMPUTE tolk-wide = FUNCTION INTEGER(v-n / 10)
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO v-n
        END-COMPUTE
    END-PERFORM
    MOVE v-s TO res
    GOBACK.
END PROGRAM py_digit_sum.
