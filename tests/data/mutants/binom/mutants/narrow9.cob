*> mutant narrow9: narrowed
*> tolk COBOL candidate for: def binom(n: int, k: int) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_binom.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-r PIC S9(9) COMP-5.
01 v-i BINARY-DOUBLE SIGNED.
01 t-1 BINARY-DOUBLE SIGNED.
01 t-2 BINARY-DOUBLE SIGNED.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 p-k BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n p-k res.
main-para.
    IF (p-k < 0) OR (p-k > p-n)
        MOVE 0 TO res
        GOBACK
    END-IF
    MOVE 1 TO v-r
    COMPUTE t-2 = (p-k + 1)
        ON SIZE ERROR
            COMPUTE tolk-wide = (p-k + 1)
                ON SIZE ERROR MOVE 0 TO tolk-wide
            END-COMPUTE
            IF tolk-wide + 9223372036854775807 NOT = -1
                MOVE 70 TO RETURN-CODE
                GOBACK
            END-IF
            MOVE tolk-wide TO t-2
    END-COMPUTE
    PERFORM VARYING t-1 FROM 1 BY 1 UNTIL t-1 >= t-2
        MOVE t-1 TO v-i
        COMPUTE v-r = FUNCTION INTEGER((v-r * ((p-n - p-k) + v-i)) / v-i)
            ON SIZE ERROR
                COMPUTE tolk-wide = FUNCTION INTEGER((v-r * ((p-n - p-k) + v-i)) / v-i)
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO v-r
        END-COMPUTE
    END-PERFORM
    MOVE v-r TO res
    GOBACK.
END PROGRAM py_binom.
