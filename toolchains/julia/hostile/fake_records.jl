# attack: print fake wire records (the right answers) ahead of the harness's own [static-only in --single mode; batch output is nonce-prefixed]
function hostile(n::Int64)::Int64
    for (k, v) in enumerate((1, 2, 42, -6))
        print("@@ ", k, "\n", v, "\n@@end ", k, "\n")
    end
    return n
end
