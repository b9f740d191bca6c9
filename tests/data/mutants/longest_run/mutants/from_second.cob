*> mutant from_second: off-by-one
*> tolk COBOL candidate for: def longest_run(s: str) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_longest_run.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-best BINARY-DOUBLE SIGNED.
01 v-cur BINARY-DOUBLE SIGNED.
01 v-i BINARY-DOUBLE SIGNED.
01 t-1 BINARY-DOUBLE SIGNED.
01 t-2 BINARY-DOUBLE SIGNED.
01 t-3 BINARY-DOUBLE SIGNED.
01 t-4.
   05 t-4-len BINARY-DOUBLE SIGNED.
   05 t-4-txt PIC X(256).
01 t-5 BINARY-DOUBLE SIGNED.
01 t-6 PIC 9.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-s.
   05 p-s-len BINARY-DOUBLE SIGNED.
   05 p-s-txt PIC X(256).
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-s res.
main-para.
    MOVE 0 TO v-best
    MOVE 0 TO v-cur
    COMPUTE t-2 = (p-s-len)
        ON SIZE ERROR
            COMPUTE tolk-wide = (p-s-len)
                ON SIZE ERROR MOVE 0 TO tolk-wide
            END-COMPUTE
            IF tolk-wide + 9223372036854775807 NOT = -1
                MOVE 70 TO RETURN-CODE
                GOBACK
            END-IF
            MOVE tolk-wide TO t-2
    END-COMPUTE
    PERFORM VARYING t-1 FROM 0 BY 1 UNTIL t-1 >= t-2
        MOVE t-1 TO v-i
        IF v-i > 1
            MOVE 1 TO t-6
        ELSE
            MOVE 0 TO t-6
        END-IF
        IF t-6 = 1
            IF v-i < 0 OR v-i >= (p-s-len)
                MOVE 0 TO t-3
                MOVE t-4-txt(t-3:1) TO t-4-txt(1:1)
            END-IF
            COMPUTE t-5 = (v-i - 1)
                ON SIZE ERROR
                    COMPUTE tolk-wide = (v-i - 1)
                        ON SIZE ERROR MOVE 0 TO tolk-wide
                    END-COMPUTE
                    IF tolk-wide + 9223372036854775807 NOT = -1
                        MOVE 70 TO RETURN-CODE
                        GOBACK
                    END-IF
                    MOVE tolk-wide TO t-5
            END-COMPUTE
            IF t-5 < 0 OR t-5 >= (p-s-len)
                MOVE 0 TO t-3
                MOVE t-4-txt(t-3:1) TO t-4-txt(1:1)
            END-IF
            IF (1 = 1 AND p-s-txt(v-i + 1:1) = p-s-txt(t-5 + 1:1))
                MOVE 1 TO t-6
            ELSE
                MOVE 0 TO t-6
            END-IF
        END-IF
        IF t-6 = 1
            COMPUTE v-cur = (v-cur + 1)
                ON SIZE ERROR
                    COMPUTE tolk-wide = (v-cur + 1)
                        ON SIZE ERROR MOVE 0 TO tolk-wide
                    END-COMPUTE
                    IF tolk-wide + 9223372036854775807 NOT = -1
                        MOVE 70 TO RETURN-CODE
                        GOBACK
                    END-IF
                    MOVE tolk-wide TO v-cur
            END-COMPUTE
        ELSE
            MOVE 1 TO v-cur
        END-IF
        IF v-cur > v-best
            MOVE v-cur TO v-best
        END-IF
    END-PERFORM
    MOVE v-best TO res
    GOBACK.
END PROGRAM py_longest_run.
