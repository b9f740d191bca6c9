*> tolk COBOL candidate for: def ipow(b: int, e: int) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_ipow.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-b BINARY-DOUBLE SIGNED.
01 v-e BINARY-DOUBLE SIGNED.
01 v-r BINARY-DOUBLE SIGNED.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-b BINARY-DOUBLE SIGNED.
01 p-e BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-b p-e res.
main-para.
    MOVE p-b TO v-b
    MOVE p-e TO v-e
    IF v-e < 0
        MOVE 0 TO res
        GOBACK
    END-IF
    MOVE 1 TO v-r
    PERFORM UNTIL NOT (v-e > 0)
        IF FUNCTION MOD(v-e, 2) = 1
            COMPUTE v-r = (v-r * v-b)
                ON SIZE ERROR
                    COMPUTE tolk-wide = (v-r * v-b)
                        ON SIZE ERROR MOVE 0 TO tolk-wide
                    END-COMPUTE
                    IF tolk-wide + 9223372036854775807 NOT = -1
                        MOVE 70 TO RETURN-CODE
                        GOBACK
                    END-IF
                    MOVE tolk-wide TO v-r
            END-COMPUTE
        END-IF
        COMPUTE v-e = FUNCTION INTEGER(v-e / 2)
            ON SIZE ERROR
                COMPUTE tolk-wide = FUNCTION INTEGER(v-e / 2)
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO v-e
        END-COMPUTE
        IF v-e > 0
            COMPUTE v-b = (v-b * v-b)
                ON SIZE ERROR
                    COMPUTE tolk-wide = (v-b * v-b)
                        ON SIZE ERROR MOVE 0 TO tolk-wide
                    END-COMPUTE
                    IF tolk-wide + 9223372036854775807 NOT = -1
                        MOVE 70 TO RETURN-CODE
                        GOBACK
                    END-IF
                    MOVE tolk-wide TO v-b
            END-COMPUTE
        END-IF
    END-PERFORM
    MOVE v-r TO res
    GOBACK.
END PROGRAM py_ipow.
