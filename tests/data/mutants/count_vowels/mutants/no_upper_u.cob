*> mutant no_upper_u: constant
*> tolk COBOL candidate for: def count_vowels(s: str) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_count_vowels.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-n BINARY-DOUBLE SIGNED.
01 v-ch.
   05 v-ch-len BINARY-DOUBLE SIGNED.
   05 v-ch-txt PIC X(256).
01 t-1 BINARY-DOUBLE SIGNED.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-s.
   05 p-s-len BINARY-DOUBLE SIGNED.
   05 p-s-txt PIC X(256).
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-s res.
main-para.
    MOVE 0 TO v-n
    PERFORM VARYING t-1 FROM 1 BY 1 UNTIL t-1 > p-s-len
        MOVE 1 TO v-ch-len
        MOVE p-s-txt(t-1:1) TO v-ch-txt
        IF (v-ch-len = 1 AND v-ch-txt(1:1) = "a") OR (v-ch-len = 1 AND v-ch-txt(1:1) = "e") OR (v-ch-len = 1 AND v-ch-txt(1:1) = "i") OR (v-ch-len = 1 AND v-ch-txt(1:1)
            = "o") OR (v-ch-len = 1 AND v-ch-txt(1:1) = "u")
            COMPUTE v-n = (v-n + 1)
                ON SIZE ERROR
                    COMPUTE tolk-wide = (v-n + 1)
                        ON SIZE ERROR MOVE 0 TO tolk-wide
                    END-COMPUTE
                    IF tolk-wide + 9223372036854775807 NOT = -1
                        MOVE 70 TO RETURN-CODE
                        GOBACK
                    END-IF
                    MOVE tolk-wide TO v-n
            END-COMPUTE
        ELSE
            IF (v-ch-len = 1 AND v-ch-txt(1:1) = "A") OR (v-ch-len = 1 AND v-ch-txt(1:1) = "E") OR (v-ch-len = 1 AND v-ch-txt(1:1) = "I") OR (v-ch-len = 1 AND v-ch-txt(1:1)
                = "O") OR (v-ch-len = 1 AND v-ch-txt(1:1) = "Y")
                COMPUTE v-n = (v-n + 1)
                    ON SIZE ERROR
                        COMPUTE tolk-wide = (v-n + 1)
                            ON SIZE ERROR MOVE 0 TO tolk-wide
                        END-COMPUTE
                        IF tolk-wide + 9223372036854775807 NOT = -1
                            MOVE 70 TO RETURN-CODE
                            GOBACK
                        END-IF
                        MOVE tolk-wide TO v-n
                END-COMPUTE
            END-IF
        END-IF
    END-PERFORM
    MOVE v-n TO res
    GOBACK.
END PROGRAM py_count_vowels.
