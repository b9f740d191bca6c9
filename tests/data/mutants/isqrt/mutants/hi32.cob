*> mutant hi32: narrowed
*> tolk COBOL candidate for: def isqrt(n: int) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_isqrt.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-lo BINARY-DOUBLE SIGNED.
01 v-hi BINARY-DOUBLE SIGNED.
01 v-mid BINARY-DOUBLE SIGNED.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    IF p-n <= 0
        MOVE 0 TO res
        GOBACK
    END-IF
    MOVE 0 TO v-lo
    MOVE 2147483647 TO v-hi
    IF p-n < v-hi
        MOVE p-n TO v-hi
    END-IF
    PERFORM UNTIL NOT (v-lo < v-hi)
        COMPUTE v-mid = FUNCTION INTEGER(((v-lo + v-hi) + 1) / 2)
            ON SIZE ERROR
                COMPUTE tolk-wide = FUNCTION INTEGER(((v-lo + v-hi) + 1) / 2)
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO v-mid
        END-COMPUTE
        IF (v-mid * v-mid) <= p-n
            MOVE v-mid TO v-lo
        ELSE
            COMPUTE v-hi = (v-mid - 1)
                ON SIZE ERROR
                    COMPUTE tolk-wide = (v-mid - 1)
                        ON SIZE ERROR MOVE 0 TO tolk-wide
                    END-COMPUTE
                    IF tolk-wide + 9223372036854775807 NOT = -1
                        MOVE 70 TO RETURN-CODE
                        GOBACK
                    END-IF
                    MOVE tolk-wide TO v-hi
            END-COMPUTE
        END-IF
    END-PERFORM
    MOVE v-lo TO res
    GOBACK.
END PROGRAM py_isqrt.
