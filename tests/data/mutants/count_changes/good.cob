*> tolk COBOL candidate for: def count_changes(xs: list[int]) -> int
IDENTIFICATION DIVISION.
PROGRAM-ID. py_count_changes.
DATA DIVISION.
LOCAL-STORAGE SECTION.
01 v-c BINARY-DOUBLE SIGNED.
01 v-i BINARY-DOUBLE SIGNED.
01 t-1 BINARY-DOUBLE SIGNED.
01 t-2 BINARY-DOUBLE SIGNED.
01 t-3 BINARY-DOUBLE SIGNED.
01 tolk-wide PIC S9(31) COMP-3.
LINKAGE SECTION.
01 p-xs.
   05 p-xs-n BINARY-DOUBLE SIGNED.
   05 p-xs-v BINARY-DOUBLE SIGNED OCCURS 0 TO 1000 DEPENDING ON p-xs-n.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-xs res.
main-para.
    MOVE 0 TO v-c
    COMPUTE t-2 = (p-xs-n - 1)
        ON SIZE ERROR
            COMPUTE tolk-wide = (p-xs-n - 1)
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
        COMPUTE t-3 = (v-i + 1)
            ON SIZE ERROR
                COMPUTE tolk-wide = (v-i + 1)
                    ON SIZE ERROR MOVE 0 TO tolk-wide
                END-COMPUTE
                IF tolk-wide + 9223372036854775807 NOT = -1
                    MOVE 70 TO RETURN-CODE
                    GOBACK
                END-IF
                MOVE tolk-wide TO t-3
        END-COMPUTE
        IF p-xs-v(v-i + 1) NOT = p-xs-v(t-3 + 1)
            COMPUTE v-c = (v-c + 1)
                ON SIZE ERROR
                    COMPUTE tolk-wide = (v-c + 1)
                        ON SIZE ERROR MOVE 0 TO tolk-wide
                    END-COMPUTE
                    IF tolk-wide + 9223372036854775807 NOT = -1
                        MOVE 70 TO RETURN-CODE
                        GOBACK
                    END-IF
                    MOVE tolk-wide TO v-c
            END-COMPUTE
        END-IF
    END-PERFORM
    MOVE v-c TO res
    GOBACK.
END PROGRAM py_count_changes.
