# attack: flood the harness's stdout with println
function hostile(n::Int64)::Int64
    while true
        println("@@ 1")
    end
    return n + 1
end
